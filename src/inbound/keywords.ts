/**
 * The SMS keywords carriers and Twilio honour (https://help.twilio.com/articles/223134027):
 * a message that is exactly one of them, in any case and with surrounding spaces, is a request.
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
