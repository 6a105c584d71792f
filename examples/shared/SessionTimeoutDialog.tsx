// The warning before `sessionTimeout` ends the session, shared by the demo and the stories. A
// native modal <dialog>: showModal() makes the rest of the page inert, moves focus in, and turns
// Escape into a `cancel` event; close() gives focus back to where it was.
//
// The hook comes from the source by path, not by the package name: Storybook has no alias for the
// name, and the demo's alias points at this same file, so both get one copy of the library (and
// of its React context).
import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type SyntheticEvent } from 'react'
import { useSessionTimeout } from '../../src'

/** `m:ss`, for the countdown people see. */
const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`

/**
 * What the live region says: it changes only at whole minutes, 30 s and 10 s, so a screen reader
 * hears a few updates instead of one a second.
 */
function milestone(seconds: number): string {
  if (seconds <= 10) return '10 seconds'
  if (seconds <= 30) return '30 seconds'
  const minutes = Math.ceil(seconds / 60)
  return minutes === 1 ? '1 minute' : `${minutes} minutes`
}

/** Silent when the dialog opens (its description already says how long), then each milestone once. */
function Announcer({ seconds }: { seconds: number }) {
  const [opened] = useState(() => milestone(seconds))
  const now = milestone(seconds)
  return (
    <p aria-live="polite" style={visuallyHidden}>
      {now === opened ? '' : `${now} left before you are signed out.`}
    </p>
  )
}

const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clipPath: 'inset(50%)',
  whiteSpace: 'nowrap',
} as const

/**
 * Tab and Shift+Tab wrap around between the dialog's buttons. A modal dialog already keeps the
 * page behind it out of reach, but the browser lets Tab leave the document (to its own toolbar,
 * or to the page around an iframe such as Storybook's).
 */
function keepFocusInside(event: KeyboardEvent<HTMLDialogElement>) {
  if (event.key !== 'Tab') return
  const buttons = Array.from(event.currentTarget.querySelectorAll('button'))
  const [first, last] = [buttons[0], buttons[buttons.length - 1]]
  if (document.activeElement !== (event.shiftKey ? first : last)) return
  event.preventDefault()
  ;(event.shiftKey ? last : first)?.focus()
}

/**
 * Shown `warnBefore` ms before `sessionTimeout` ends the session. For inactivity, "Stay signed in"
 * (also Enter, as the focused button, and Escape) calls `extend()`. For the maximum session age,
 * nothing can extend the session: the dialog says so, and "OK" (or Escape) only closes it, so that
 * the person can save their work until the end.
 */
export function SessionTimeoutDialog() {
  const { expiring, extend, logout } = useSessionTimeout()
  // The person closed the max-age warning: it stays closed until the warning goes (the session ends).
  const [dismissed, setDismissed] = useState(false)
  if (dismissed && !expiring) setDismissed(false)
  const shown = expiring && !(expiring.reason === 'max_age' && dismissed) ? expiring : null
  const open = shown !== null
  const dialogRef = useRef<HTMLDialogElement>(null)
  const primaryRef = useRef<HTMLButtonElement>(null)
  const id = useId()

  // A layout effect: the dialog opens and closes in the same frame as its content comes and goes.
  useLayoutEffect(() => {
    const dialog = dialogRef.current
    if (!open || !dialog) return
    const previous = document.activeElement
    if (!dialog.open) dialog.showModal()
    primaryRef.current?.focus()
    return () => {
      dialog.close()
      // close() restores focus in current browsers; this covers the others and an unmount.
      if (previous instanceof HTMLElement && previous.isConnected && document.activeElement !== previous) previous.focus()
    }
  }, [open])

  const primary = () => (shown?.reason === 'idle' ? extend() : setDismissed(true))

  function onCancel(event: SyntheticEvent<HTMLDialogElement>) {
    // Escape: the same as the primary button. React closes the dialog when `expiring` clears.
    event.preventDefault()
    primary()
  }

  const seconds = Math.round((shown?.remaining ?? 0) / 1000)
  return (
    <dialog
      ref={dialogRef}
      role="alertdialog"
      aria-modal="true"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      className="session-timeout"
      onCancel={onCancel}
      onKeyDown={keepFocusInside}
    >
      {shown && (
        <>
          <h2 id={`${id}-title`}>{shown.reason === 'idle' ? 'Are you still there?' : 'Your session is ending'}</h2>
          {shown.reason === 'idle' ? (
            <p id={`${id}-text`}>
              You will be signed out in <strong>{clock(seconds)}</strong> because of inactivity.
            </p>
          ) : (
            <p id={`${id}-text`}>
              Your session reaches its time limit in <strong>{clock(seconds)}</strong> and cannot be extended. Save your work, then sign in
              again.
            </p>
          )}
          <Announcer key={shown.reason} seconds={seconds} />
          <div className="actions">
            <button type="button" ref={primaryRef} onClick={primary}>
              {shown.reason === 'idle' ? 'Stay signed in' : 'OK'}
            </button>
            <button type="button" onClick={() => void logout()}>
              Sign out
            </button>
          </div>
        </>
      )}
    </dialog>
  )
}
