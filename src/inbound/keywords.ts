/**
 * The SMS keywords carriers and Twilio honour (https://help.twilio.com/articles/223134027):
 * a message that is exactly one of them, in any case and with surrounding spaces, is a request.
 * The same words work on WhatsApp, where Meta offers brands no opt-out handling of its own.
 */
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])
const OPT_IN = new Set(['START', 'YES', 'UNSTOP'])
const HELP = new Set(['HELP', 'INFO'])

export type KeywordRequest = { kind: 'opt-out' | 'opt-in' | 'help'; keyword: string }

export function classifyKeyword(text: string): KeywordRequest | null {
  const keyword = text.trim().toUpperCase()
  if (OPT_OUT.has(keyword)) return { kind: 'opt-out', keyword }
  if (OPT_IN.has(keyword)) return { kind: 'opt-in', keyword }
  if (HELP.has(keyword)) return { kind: 'help', keyword }
  return null
}

export const OPT_OUT_CONFIRMATION = 'You have been unsubscribed and will receive no more messages from this number. Reply START to resubscribe.'
export const OPT_IN_CONFIRMATION = 'You have been resubscribed to messages from this number. Reply STOP to unsubscribe.'
/** What HELP answers where the brand has not set its own text. */
export const DEFAULT_HELP_TEXT = 'Reply STOP to opt out, START to opt back in.'

/** The one answer a keyword gets. */
export function keywordAnswer(kind: KeywordRequest['kind'], helpText: string): string {
  switch (kind) {
    case 'opt-out':
      return OPT_OUT_CONFIRMATION
    case 'opt-in':
      return OPT_IN_CONFIRMATION
    case 'help':
      return helpText
  }
}
