'use client'
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react'

/**
 * `useSyncExternalStore` over a slice of a store: the component re-renders only when the slice
 * changes by `isEqual` (default `Object.is`), not on every change of the store. This is the
 * pattern of React's `useSyncExternalStoreWithSelector`, written out to avoid a dependency.
 */
export function useSelector<S, T>(
  subscribe: (onChange: () => void) => () => void,
  getSnapshot: () => S,
  getServerSnapshot: () => S,
  selector: (snapshot: S) => T,
  isEqual?: (a: T, b: T) => boolean,
): T {
  // The last selection React committed, so a new inline selector that yields an equal slice keeps
  // returning the committed object instead of a fresh one.
  const committed = useRef<{ value: T } | null>(null)

  const [getSelection, getServerSelection] = useMemo(() => {
    const memo: { held: boolean; snapshot?: S; selection?: T } = { held: false }
    // getSnapshot must return the same value while the store is unchanged, or React re-renders in
    // a loop; memoising on the snapshot object (immutable, replaced on change) guarantees that.
    const select = (snapshot: S): T => {
      if (memo.held && Object.is(memo.snapshot, snapshot)) return memo.selection as T
      const next = selector(snapshot)
      const previous = memo.held ? { value: memo.selection as T } : committed.current
      const selection = previous && isEqual?.(previous.value, next) ? previous.value : next
      memo.held = true
      memo.snapshot = snapshot
      memo.selection = selection
      return selection
    }
    return [() => select(getSnapshot()), () => select(getServerSnapshot())]
  }, [getSnapshot, getServerSnapshot, selector, isEqual])

  const value = useSyncExternalStore(subscribe, getSelection, getServerSelection)
  useEffect(() => {
    committed.current = { value }
  }, [value])
  return value
}
