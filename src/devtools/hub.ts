// One client's devtools in this tab: its records from `client[INSPECT]`, and the records and
// presence of every other tab of the session over a topic of its own (`jwt-session:<key>:devtools`).
// A tab says hello when it connects, when its visibility changes and on a reply to a newcomer (with
// its recent records, so a panel opened late still draws what happened before), and bye on
// pagehide. Every record is posted as it happens. Shared by the panels and `diagnose` of one client.
// It also carries the one fault that acts in every tab: "expire the access token now" (expire.ts).
import type { Engine } from '../core/engine'
import type { JwtClaims } from '../core/tokens'
import { INSPECT, inspect, type Inspection } from '../core/inspect'
import type { AuthClient } from '../core/options'
import type { ChannelFactory } from '../core/tabs'
import { defaultChannel } from '../core/tabs'
import { openTopic, type Topic } from '../core/topic'
import { expireHere } from './expire'
import { keyOf, parseDevRecord, toDevRecord, type DevRecord } from './records'

/** A tab of the session as the devtools know it. */
export interface DevTab {
  id: string
  /** Its name in the panel: `name` given to the devtools, or `tab-` and a short id. */
  name: string
  visible: boolean
  /** It holds a session (its `sessionId`). */
  sessionId: string | null
  /** It holds the refresh lock now: its refresh request is on its way (only where Web Locks exist). */
  holdsLock: boolean
  /** This tab. */
  self: boolean
}

export interface DevtoolsOptions {
  /** This tab's name on every tab's timeline (default `tab-` and four random characters). */
  name?: string
  /** The channel to the other tabs' devtools; default the client's own `channel` option (BroadcastChannel). */
  channel?: ChannelFactory | null
}

export interface Hub {
  auth: AuthClient<never>
  inspection: Inspection
  selfId: string
  tabs(): DevTab[]
  /** Every tab's records, oldest first. */
  records(): DevRecord[]
  /** Called after every change (a record, a tab coming, going or hiding). */
  subscribe(listener: () => void): () => void
  /** Expires the access token now in this tab and in every tab whose devtools are connected; false without a session here. */
  expireEverywhere(): boolean
}

interface Message {
  kind: 'hello' | 'record' | 'bye' | 'expire'
  tab?: unknown
  reply?: boolean
  history?: unknown[]
  record?: unknown
  /** `expire`: the generation to expire (a tab that holds a newer one ignores it). */
  session?: unknown
}

/** How many records are kept per tab: enough for an afternoon of 5-minute tokens. */
const KEPT = 300
const hubs = new WeakMap<object, { hub: Hub; users: number; close(): void }>()

/** The engine behind the client's inspection seam; a TypeError for something that is no client of this library. */
export function engineOf(auth: AuthClient<never>): Engine<JwtClaims> {
  const engine = (Object(auth) as Record<symbol, Engine<JwtClaims> | undefined>)[INSPECT]
  if (!engine) throw new TypeError('jwt-tab-session/devtools needs a client made by createAuthClient of jwt-tab-session.')
  return engine
}

/** The client's inspection; a TypeError for something that is no client of this library. */
export const inspectionOf = (auth: AuthClient<never>): Inspection => inspect(engineOf(auth))

/** The hub of `auth` in this tab, made on first use; `release` closes it after its last user. */
export function connect(auth: AuthClient<never>, options: DevtoolsOptions = {}): { hub: Hub; release(): void } {
  let entry = hubs.get(auth)
  if (!entry) {
    const made = createHub(auth, options)
    entry = { hub: made.hub, users: 0, close: made.close }
    hubs.set(auth, entry)
  }
  const held = entry
  held.users++
  let released = false
  return {
    hub: held.hub,
    release() {
      if (released) return
      released = true
      if (--held.users > 0) return
      held.close()
      hubs.delete(auth)
    },
  }
}

/** The hub of `auth` if the devtools are connected to it in this tab. */
export const connected = (auth: AuthClient<never>): Hub | null => hubs.get(auth)?.hub ?? null

function createHub(auth: AuthClient<never>, options: DevtoolsOptions): { hub: Hub; close(): void } {
  const engine = engineOf(auth)
  const inspection = inspect(engine)
  const selfId = Math.random().toString(36).slice(2, 10)
  const self: DevTab = {
    id: selfId,
    name: (options.name ?? `tab-${selfId.slice(0, 4)}`).slice(0, 40),
    visible: typeof document === 'undefined' || document.visibilityState !== 'hidden',
    sessionId: inspection.session()?.family ?? null,
    holdsLock: false,
    self: true,
  }
  const tabs = new Map<string, DevTab>([[selfId, self]])
  const logs = new Map<string, DevRecord[]>([[selfId, []]])
  const listeners = new Set<() => void>()
  const changed = () => listeners.forEach((listener) => listener())

  const keep = (record: DevRecord) => {
    const log = logs.get(record.tab) ?? []
    log.push(record)
    if (log.length > KEPT) log.splice(0, log.length - KEPT)
    logs.set(record.tab, log)
    const tab = tabs.get(record.tab)
    if (tab && record.kind === 'transition') tab.sessionId = record.session?.family ?? null
    if (tab && record.kind === 'lock') tab.holdsLock = record.type === 'held'
  }

  const clientChannel = inspection.options.channel
  const channel = options.channel !== undefined ? options.channel : clientChannel === undefined ? defaultChannel : clientChannel
  const hello = (reply: boolean, history?: DevRecord[]) =>
    topic.post({ kind: 'hello', tab: { ...self, self: undefined }, reply, ...(history && { history }) })
  const topic: Topic<Message> = openTopic<Message>({ channel, storageKey: inspection.storageKey }, 'devtools', 1, (message) => {
    if (message.kind === 'bye') {
      const id = typeof message.tab === 'string' ? message.tab : ''
      if (id !== selfId && tabs.delete(id)) changed()
      return
    }
    if (message.kind === 'expire') {
      const key = keyOf(message.session)
      if (key) expireHere(engine, key)
      return
    }
    if (message.kind === 'record') {
      const record = parseDevRecord(message.record)
      if (!record || record.tab === selfId || !tabs.has(record.tab)) return
      keep(record)
      return changed()
    }
    const tab = parseTab(message.tab)
    if (!tab || tab.id === selfId) return
    const known = tabs.has(tab.id)
    tabs.set(tab.id, tab)
    if (!known) {
      logs.set(tab.id, [])
      for (const value of message.history ?? []) {
        const record = parseDevRecord(value)
        if (record?.tab === tab.id) keep(record)
      }
      if (!message.reply) hello(true, logs.get(selfId))
    }
    changed()
  })

  const stopListening = inspection.listen((raw) => {
    const record = toDevRecord(selfId, raw)
    if (record.kind === 'event' && BRINGS_TOKEN.has(record.type)) {
      const { expiresAt, claims } = auth.getSnapshot()
      if (expiresAt !== null) {
        const { iat, exp } = Object(claims) as { iat?: unknown; exp?: unknown }
        const lifetime = typeof iat === 'number' && typeof exp === 'number' ? (exp - iat) * 1000 : null
        record.token = { issuedAt: lifetime === null ? record.at : expiresAt - lifetime, expiresAt }
      }
    }
    keep(record)
    topic.post({ kind: 'record', record })
    changed()
  })

  const onVisibility = () => {
    self.visible = document.visibilityState !== 'hidden'
    hello(true)
    changed()
  }
  const onPageHide = () => topic.post({ kind: 'bye', tab: selfId })
  // Back from the back/forward cache: the others forgot this tab at its pagehide.
  const onPageShow = (event: PageTransitionEvent) => event.persisted && hello(false)
  const page = typeof window === 'undefined' ? null : window
  page?.document.addEventListener('visibilitychange', onVisibility)
  page?.addEventListener('pagehide', onPageHide)
  page?.addEventListener('pageshow', onPageShow)
  hello(false)

  const hub: Hub = {
    auth,
    inspection,
    selfId,
    tabs: () => [...tabs.values()].map((tab) => ({ ...tab })),
    records: () => [...logs.values()].flat().sort((a, b) => a.at - b.at),
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    expireEverywhere() {
      const session = inspection.session()
      if (!expireHere(engine)) return false
      topic.post({ kind: 'expire', session })
      return true
    },
  }
  return {
    hub,
    close() {
      stopListening()
      page?.document.removeEventListener('visibilitychange', onVisibility)
      page?.removeEventListener('pagehide', onPageHide)
      page?.removeEventListener('pageshow', onPageShow)
      topic.post({ kind: 'bye', tab: selfId })
      topic.close()
      listeners.clear()
    },
  }
}

/** The events after which the tab holds a token it did not hold before. */
const BRINGS_TOKEN = new Set(['logged_in', 'session_restored', 'session_adopted', 'refresh_succeeded'])

function parseTab(value: unknown): DevTab | null {
  const t = Object(value) as Record<string, unknown>
  if (typeof t.id !== 'string' || typeof t.name !== 'string') return null
  return {
    id: t.id.slice(0, 64),
    name: t.name.slice(0, 40),
    visible: t.visible !== false,
    sessionId: typeof t.sessionId === 'string' ? t.sessionId.slice(0, 64) : null,
    holdsLock: t.holdsLock === true,
    self: false,
  }
}
