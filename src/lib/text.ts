/**
 * The text without U+0000, which PostgreSQL text cannot hold (`invalid byte sequence`). For text
 * a provider signed, which is not refused like a client's: a webhook whose content cannot be
 * stored would be answered 500 and retried by the provider forever.
 */
export function withoutNul(text: string): string {
  return text.replaceAll('\u0000', '')
}
