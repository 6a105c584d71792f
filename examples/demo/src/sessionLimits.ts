// The demo's session limits (sessionTimeout), in seconds. A visitor sees the defaults happen in
// a few minutes; the URL shortens them: /?idle=20&warn=10&maxAge=60 (0 turns a limit off).
// Read once, when the app loads; "Open in a new tab" passes them on, so every tab agrees.

export interface SessionLimits {
  idle: number
  warn: number
  maxAge: number
}

const DEFAULTS: SessionLimits = { idle: 120, warn: 30, maxAge: 0 }
const NAMES = Object.keys(DEFAULTS) as (keyof SessionLimits)[]

/** The limits in `search`, each one the default where it is missing or not a number of seconds ≥ 0. */
function readSessionLimits(search: string): SessionLimits {
  const params = new URLSearchParams(search)
  const limits = { ...DEFAULTS }
  for (const name of NAMES) {
    const given = params.get(name)
    const seconds = given === null || given.trim() === '' ? NaN : Number(given)
    if (Number.isFinite(seconds) && seconds >= 0) limits[name] = seconds
  }
  return limits
}

export const sessionLimits = readSessionLimits(window.location.search)

/** `href` with the limits this page runs with, where they are not the defaults. */
export function withSessionLimits(href: string): string {
  const url = new URL(href)
  for (const name of NAMES) if (sessionLimits[name] !== DEFAULTS[name]) url.searchParams.set(name, String(sessionLimits[name]))
  return url.href
}
