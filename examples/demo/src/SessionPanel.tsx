import { getHasuraClaims } from 'jwt-tab-session'
import { dpopMode, useAuth } from './auth'
import { useEventLog } from './eventLog'
import { sessionLimits, withSessionLimits } from './sessionLimits'
import { useNow } from './useNow'

/** Everything the client knows about the session, and the actions on it. Never a token. */
export function SessionPanel() {
  const { status, claims, expiresAt, error, isAuthenticated, refresh, logout } = useAuth()
  const hasura = getHasuraClaims(claims)

  return (
    <aside className="panel" aria-label="Session">
      <h2>Session</h2>
      <dl>
        <dt>Status</dt>
        <dd data-testid="status">{status}</dd>
        <dt>User</dt>
        <dd data-testid="user">{claims ? `${claims.name} (${claims.sub})` : '—'}</dd>
        <dt>Roles</dt>
        <dd>{claims?.roles?.join(', ') || '—'}</dd>
        <dt>Hasura role</dt>
        <dd>{hasura ? `${hasura.defaultRole} (allowed: ${hasura.allowedRoles.join(', ')})` : '—'}</dd>
        {dpopMode && (
          <>
            <dt>Bound to key</dt>
            <dd data-testid="dpop">{boundKey(claims?.cnf) ?? '—'}</dd>
          </>
        )}
        <dt>Token expires</dt>
        <dd>{expiresAt === null ? '—' : <Countdown until={expiresAt} />}</dd>
        <dt>Last error</dt>
        <dd data-testid="error">{error?.code ?? '—'}</dd>
        <dt>Session limits</dt>
        <dd data-testid="limits">
          idle {limit(sessionLimits.idle)} · max age {limit(sessionLimits.maxAge)} · warning {limit(sessionLimits.warn)}{' '}
          <span className="muted">(in seconds from the URL: ?idle=20&amp;warn=10&amp;maxAge=60)</span>
        </dd>
      </dl>
      <div className="actions">
        {/* Failures need no handling here: they land in `error` and in the log below. */}
        <button disabled={!isAuthenticated} onClick={() => void refresh().catch(() => {})}>
          Refresh now
        </button>
        <button disabled={!isAuthenticated} onClick={() => void logout()}>
          Log out
        </button>
        <button disabled={!isAuthenticated} onClick={() => void logout({ everywhere: true })}>
          Log out everywhere
        </button>
        {/* noopener: the new tab starts with empty sessionStorage (Chrome copies it otherwise), so
            it gets the session the way any new tab does, handed over by this one. */}
        <button onClick={() => window.open(withSessionLimits(window.location.href), '_blank', 'noopener')}>Open in a new tab</button>
      </div>
      <EventLog />
    </aside>
  )
}

/** DPoP mode: the thumbprint of the browser's key the token is bound to (`cnf.jkt`), shortened. */
function boundKey(cnf: unknown): string | null {
  const jkt = (cnf as { jkt?: unknown } | undefined)?.jkt
  return typeof jkt === 'string' ? `DPoP, cnf.jkt ${jkt.slice(0, 12)}…` : null
}

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`

/** `2:00`, or `off` for 0. */
const limit = (seconds: number) => (seconds > 0 ? clock(seconds) : 'off')

function Countdown({ until }: { until: number }) {
  const now = useNow()
  const seconds = Math.max(0, Math.round((until - now) / 1000))
  return (
    <span data-testid="expires">
      in {clock(seconds)} <span className="muted">(at {new Date(until).toLocaleTimeString()})</span>
    </span>
  )
}

function EventLog() {
  const entries = useEventLog()
  return (
    <>
      <h3>
        Event log <span className="muted">(newest first)</span>
      </h3>
      {entries.length === 0 ? (
        <p className="muted">No events yet.</p>
      ) : (
        <ul className="log" data-testid="event-log">
          {entries.map((entry) => (
            <li key={entry.id}>
              <time>{new Date(entry.at).toLocaleTimeString()}</time> <code>{entry.type}</code> <span className="muted">{entry.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  )
}
