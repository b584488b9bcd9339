import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { User } from './api/types'

export type SessionState = {
  user: User
  isAdmin: boolean
  signOut: () => Promise<void>
}

export const SessionContext = createContext<SessionState | null>(null)

/** The signed-in user; only used below the signed-in layout. */
export function useSession() {
  const session = useContext(SessionContext)
  if (!session) {
    throw new Error('useSession outside a signed-in page')
  }
  return session
}
