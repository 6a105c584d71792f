import { useEffect, useState, type ReactNode } from 'react'
import type { AuthServerCounters } from '../../src/testing/server'
import { useStoryEnv } from './env'

const LABELS: Record<keyof AuthServerCounters, string> = {
  logins: 'Logins',
  refreshes: 'Refreshes',
  reuseEvents: 'Refresh-token reuse',
  unauthorized: '401 answers',
  revocations: 'Revocations',
}

/** The server's counters, read a few times a second (the server has no change events). */
function useCounters(): AuthServerCounters {
  const { server } = useStoryEnv()
  const [counters, setCounters] = useState(server.control.counters)
  useEffect(() => {
    const timer = setInterval(() => {
      const next = server.control.counters()
      setCounters((previous) => (JSON.stringify(previous) === JSON.stringify(next) ? previous : next))
    }, 100)
    return () => clearInterval(timer)
  }, [server])
  return counters
}

/**
 * The reference auth server behind MSW: what it counted, and buttons ("backstage") that act on it
 * behind the app's back, the way a real server or an attacker would.
 */
export function ServerPanel({ children }: { children?: ReactNode }) {
  const counters = useCounters()
  return (
    <section className="panel server" aria-label="Server">
      <h3>Auth server (MSW)</h3>
      <dl className="counters">
        {(Object.keys(LABELS) as (keyof AuthServerCounters)[]).map((name) => (
          <div key={name}>
            <dt>{LABELS[name]}</dt>
            <dd data-testid={`counter-${name}`}>{counters[name]}</dd>
          </div>
        ))}
      </dl>
      {children && <div className="actions">{children}</div>}
    </section>
  )
}
