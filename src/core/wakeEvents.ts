/**
 * Subscribes to the moments a page may have missed a timer: it became visible again, the
 * network came back, or it was restored from the back/forward cache.
 */
export type WakeEvents = (onWake: () => void) => () => void

export const defaultWakeEvents: WakeEvents = (onWake) => {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
  const onVisibility = () => {
    if (document.visibilityState === 'visible') onWake()
  }
  document.addEventListener('visibilitychange', onVisibility)
  window.addEventListener('online', onWake)
  window.addEventListener('pageshow', onWake)
  return () => {
    document.removeEventListener('visibilitychange', onVisibility)
    window.removeEventListener('online', onWake)
    window.removeEventListener('pageshow', onWake)
  }
}
