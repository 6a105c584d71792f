// SessionWarning.tsx — shown `warnBefore` ms before sessionTimeout ends the session
import { useLayoutEffect, useRef, useState } from 'react'
import { useSessionTimeout } from 'jwt-tab-session'

/** For the live region: it changes at whole minutes, 30 s and 10 s, not every second. */
const coarse = (s: number) => (s <= 10 ? '10 seconds' : s <= 30 ? '30 seconds' : `${Math.ceil(s / 60)} min`)

export function SessionWarning() {
  const { expiring, extend, logout } = useSessionTimeout()
  const [closedAt, setClosedAt] = useState<number | null>(null) // a max_age warning the person closed
  const shown = expiring && !(expiring.reason === 'max_age' && expiring.at === closedAt) ? expiring : null
  const open = shown !== null
  const dialog = useRef<HTMLDialogElement>(null)
  const primary = useRef<HTMLButtonElement>(null)

  useLayoutEffect(() => {
    const element = dialog.current
    if (!open || !element) return
    const previous = document.activeElement
    element.showModal() // the page behind becomes inert
    primary.current?.focus() // Enter activates the primary button
    return () => {
      element.close()
      if (previous instanceof HTMLElement && previous.isConnected) previous.focus() // back where it was
    }
  }, [open])

  // Idle: extend() in any tab keeps the session. Max age: nothing can; OK closes the warning.
  const act = () => (shown?.reason === 'idle' ? extend() : setClosedAt(shown?.at ?? null))
  const seconds = Math.round((shown?.remaining ?? 0) / 1000)
  return (
    <dialog
      ref={dialog}
      role="alertdialog"
      aria-labelledby="session-warning-title"
      aria-describedby="session-warning-text"
      onCancel={(event) => {
        event.preventDefault() // Escape: the same as the primary button
        act()
      }}
    >
      {shown && (
        <>
          <h2 id="session-warning-title">{shown.reason === 'idle' ? 'Are you still there?' : 'Your session is ending'}</h2>
          <p id="session-warning-text">
            {shown.reason === 'idle'
              ? `You will be signed out in ${seconds} s because of inactivity.`
              : `Your session ends in ${seconds} s and cannot be extended. Save your work.`}
          </p>
          <p aria-live="polite" className="visually-hidden">{`${coarse(seconds)} left`}</p>
          <button ref={primary} onClick={act}>
            {shown.reason === 'idle' ? 'Stay signed in' : 'OK'}
          </button>
          <button onClick={() => void logout()}>Sign out</button>
        </>
      )}
    </dialog>
  )
}
