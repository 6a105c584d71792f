// Handing a session's DPoP key between tabs on `BroadcastChannel('jwt-session:<key>:dpop')`: a
// tab that takes up a session (a new tab, a login elsewhere) asks for its key, and the tab that
// holds it answers with the `CryptoKey` pair itself (structured clone: it stays non-extractable).
// Any script of the origin can speak on the channel, so a key is taken only when its thumbprint
// is the one the session's token is bound to (`cnf.jkt`), and its private half is non-extractable
// and belongs to it (`toDpopKey`).
import { toDpopKey, type DpopKey } from './dpopProof'
import { AuthError } from '../core/errors'
import type { Environment } from '../core/env'
import { openTopic, type Topic } from '../core/topic'

/** On `jwt-session:<storageKey>:dpop`, as `{ type: 'jwt-session:dpop', v: 1, ...KeyMessage }`. */
interface KeyMessage {
  sessionId: string
  /** With `keys`: a tab shares the session's key; without: a tab asks for it. */
  keyId?: string
  keys?: CryptoKeyPair
}

/** A tab's open question for its session's key. */
interface Question {
  sessionId: string
  take(keyId: string, keys: unknown): void
  fail(): void
}

const KEY_ID = /^[\w-]{1,64}$/

/** A key id as `dpop()` makes them; checked wherever one comes from outside (storage, another tab). */
export const isKeyId = (value: unknown): value is string => typeof value === 'string' && KEY_ID.test(value)

/**
 * The key share of the DPoP part. `heldKey(sessionId)`: the key of session `sessionId` when it is
 * the session this tab holds (for a tab that asks); else null.
 */
export function createKeyShare(env: Environment, heldKey: (sessionId: string) => Promise<DpopKey> | null) {
  let topic: Topic<KeyMessage> | null = null
  let started = false
  /** A key another tab shared before this tab held its session. */
  let offered: { sessionId: string; keyId: string; keys: unknown } | null = null
  /** This tab's open question for the session's key. */
  let wanted: Question | null = null

  // A lost message only costs the other tabs the key; they ask again.
  const post = (message: KeyMessage) => topic?.post(message)

  /**
   * The key of session `sessionId` from the other tabs, taken only when its thumbprint is `jkt`.
   * A key offered before this tab held the session is claimed now, while the caller still looks
   * elsewhere first (its key store); the returned call tries it, else asks the tabs.
   */
  function receive(sessionId: string, jkt: string): () => Promise<DpopKey> {
    const offer = offered?.sessionId === sessionId ? offered : null
    offered = null
    return async () => {
      const key = offer && (await toDpopKey(offer.keyId, offer.keys))
      return key?.jkt === jkt ? key : ask(sessionId, jkt)
    }
  }

  function ask(sessionId: string, jkt: string): Promise<DpopKey> {
    return new Promise((resolve, reject) => {
      const done = () => {
        env.timers.clearTimeout(timer)
        if (wanted !== question) return
        wanted = null
        if (!started) close()
      }
      const question: Question = {
        sessionId,
        take(keyId, keys) {
          void toDpopKey(keyId, keys).then((key) => {
            if (wanted !== question || key?.jkt !== jkt) return // a foreign key, or one for another session
            done()
            resolve(key)
          })
        },
        fail() {
          done()
          reject(new AuthError('dpop_unavailable', 'No tab shared this session’s DPoP key.'))
        },
      }
      wanted?.fail()
      // Opened for the question even before start(): a route loader may need the key first.
      const { open: asked } = open()
      const timer = asked ? env.timers.setTimeout(() => question.fail(), env.handoffTimeout * 2) : undefined
      wanted = question
      if (!asked) return question.fail() // no other tab to ask
      post({ sessionId })
    })
  }

  /** Where the browser refuses a channel (an opaque origin), the topic is not `open`: this tab stands alone. */
  function open(): Topic<KeyMessage> {
    return (topic ??= openTopic(env, 'dpop', 1, heard))
  }

  function close(): void {
    topic?.close()
    topic = null
  }

  function heard({ sessionId, keyId, keys }: Partial<KeyMessage>): void {
    if (typeof sessionId !== 'string') return
    if (keyId === undefined) {
      // Another tab of this session asks for its key.
      void heldKey(sessionId)?.then(
        (key) => post({ sessionId, keyId: key.id, keys: key.keys }),
        () => {},
      )
    } else if (isKeyId(keyId)) {
      if (wanted?.sessionId === sessionId) wanted.take(keyId, keys)
      else if (!heldKey(sessionId)) offered = { sessionId, keyId, keys } // its session is on its way
    }
  }

  return {
    receive,
    /** Hands a newly bound key to the other tabs: their session is on its way. */
    offer: (sessionId: string, key: DpopKey) => post({ sessionId, keyId: key.id, keys: key.keys }),
    /** Keeps the channel open while the client runs. */
    start() {
      started = true
      open()
    },
    stop() {
      started = false
      if (!wanted) close() // else once the question is answered
    },
  }
}
