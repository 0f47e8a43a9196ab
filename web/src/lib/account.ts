import { useSyncExternalStore } from 'react'

const KEY = 'c2m.accountId'
const listeners = new Set<() => void>()

/**
 * The brand account the person last signed in to. Every API path names the account, so a reload
 * needs it before it can ask for the session; it is no secret (the cookie is the session).
 */
export function rememberedAccountId(): string | null {
  try {
    return window.localStorage.getItem(KEY)
  } catch {
    return null
  }
}

export function rememberAccountId(accountId: string): void {
  try {
    window.localStorage.setItem(KEY, accountId)
  } catch {
    // Storage refused (private mode, quota): the person types the account id again next time.
  }
  for (const listener of listeners) listener()
}

/** The remembered account, re-rendering when a sign-in changes it. */
export function useRememberedAccountId(): string | null {
  return useSyncExternalStore((listener) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }, rememberedAccountId)
}
