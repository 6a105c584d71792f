import type { Engine } from './engine'
import type { Environment } from './env'
import { endEverywhere } from './logout'
import type { PartContext, SessionView } from './part'
import type { Startup } from './startup'
import type { JwtClaims, Session } from './tokens'
import { transition } from './transition'

/** What every part of a client gets. `engine` and `startup` are read on use: the parts are built before them. */
export function createPartContext<TClaims extends JwtClaims>(
  env: Environment,
  engine: () => Engine<TClaims>,
  startup: () => Startup<TClaims>,
): PartContext {
  let view: { of: Session<TClaims>; is: SessionView } | null = null
  return {
    env,
    session() {
      const { session } = engine()
      if (!session) return null
      if (view?.of !== session) view = { of: session, is: viewOf(session) }
      return view.is
    },
    patch: (fields) => engine().cell.patch(fields),
    emit: (event) => engine().emit(event),
    end: (reason) => (engine().session ? endEverywhere(engine(), reason) : null),
    coldStart: {
      wanted: () => !engine().session && engine().cell.state.status === 'initializing',
      refresh: () => engine().refresher.cold(),
      maxWait: () => engine().refresher.maxWait,
      signIn: (tokens) => startup().signIn(tokens, { type: 'session_restored', from: 'cookie' }),
      askOtherTabs: () => engine().tabs.requestSession(),
      otherTabsSettled: () => engine().tabs.settled(),
      signedOut: (error) => void transition(engine(), null, { type: 'signed_out', error }),
    },
  }
}

/**
 * A session as the parts see it. Dated by the sign-in: the token's `auth_time` (server clock,
 * seconds), else `since`, the login's `iat` carried through refreshes and handoffs.
 */
function viewOf({ family, claims, skew, since }: Session<JwtClaims>): SessionView {
  const authTime = claims.auth_time
  const signedIn = typeof authTime === 'number' && authTime < since ? authTime : since
  return { sessionId: family, claims, skew, signedInAt: signedIn * 1000 - skew }
}
