/**
 * What a page tells the client about its own life: `visible` and `online` (a timer may have been
 * missed meanwhile), `pagehide` (the page is leaving, maybe into the back/forward cache) and
 * `restored` (it came back from that cache, possibly long after another page of the tab logged
 * out). Called with no kind, it means "check the clock".
 */
export type WakeKind = 'visible' | 'online' | 'pagehide' | 'restored'

export type WakeEvents = (onWake: (kind?: WakeKind) => void) => () => void

export const defaultWakeEvents: WakeEvents = (onWake) => {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
  const onVisibility = () => document.visibilityState === 'visible' && onWake('visible')
  const onOnline = () => onWake('online')
  const onPageHide = () => onWake('pagehide')
  const onPageShow = (event: PageTransitionEvent) => onWake(event.persisted ? 'restored' : 'visible')
  document.addEventListener('visibilitychange', onVisibility)
  window.addEventListener('online', onOnline)
  window.addEventListener('pagehide', onPageHide)
  window.addEventListener('pageshow', onPageShow)
  return () => {
    document.removeEventListener('visibilitychange', onVisibility)
    window.removeEventListener('online', onOnline)
    window.removeEventListener('pagehide', onPageHide)
    window.removeEventListener('pageshow', onPageShow)
  }
}
