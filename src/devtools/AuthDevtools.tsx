'use client'
import { useContext, useEffect, useRef } from 'react'
import type { AuthClient } from '../core/options'
import type { JwtClaims } from '../core/tokens'
import { AuthContext, missingProvider } from '../react/context'
import { mountAuthDevtools, type MountOptions } from './panel'

export interface AuthDevtoolsProps<TClaims extends JwtClaims = JwtClaims> extends MountOptions {
  /** The client to show; default the one of the nearest `<AuthProvider>`. */
  client?: AuthClient<TClaims>
  className?: string
}

/** The devtools panel (`mountAuthDevtools`) as a React component. Options are read when it mounts. */
export function AuthDevtools<TClaims extends JwtClaims = JwtClaims>({ client, className, ...options }: AuthDevtoolsProps<TClaims>) {
  const context = useContext(AuthContext)
  const auth = client ?? context?.client
  if (!auth) throw missingProvider('AuthDevtools')
  const host = useRef<HTMLDivElement>(null)
  const { name, channel, initialIsOpen, faults } = options
  // Read when mounted: a new `faults` object on every render must not remount the panel.
  const mountFaults = useRef(faults)
  useEffect(
    () => mountAuthDevtools(auth, host.current!, { name, channel, initialIsOpen, faults: mountFaults.current }),
    [auth, name, channel, initialIsOpen],
  )
  return <div ref={host} className={className} />
}
