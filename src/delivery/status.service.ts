import type { FastifyBaseLogger } from 'fastify'
import type { AppContext } from '../context.ts'
import type { DeliveryStatus } from '../channels/channel-adapter.ts'
import { withoutNul } from '../lib/text.ts'
import { type StatusOutcome, applyInAppReceipt, applyStatus } from './delivery.repository.ts'

/** A status of one of our messages, as a provider's callback or the brand's app reports it, mapped to ours. */
export interface StatusReport {
  accountId: string
  /** `twilio`, `whatsapp`, or `app` for the brand's app's in-app receipts. */
  provider: string
  /** The provider's message id; for the app, our message id. */
  messageId: string
  status: DeliveryStatus
  errorCode?: string
  errorMessage?: string
}

/**
 * The one way a delivery status comes in, whatever reported it: each (message, status) counts
 * once, only forward, and one that beat our record of the send is kept until it is recorded.
 * What the reporting funnel counts will be fed from here.
 */
export async function receiveStatus(ctx: Pick<AppContext, 'db' | 'clock'> & { logger: FastifyBaseLogger }, given: StatusReport): Promise<StatusOutcome> {
  const at = ctx.clock.now().toISOString()
  // A provider's error text is stored as the provider wrote it, but for NUL characters.
  const report = {
    ...given,
    ...(given.errorCode !== undefined ? { errorCode: withoutNul(given.errorCode) } : {}),
    ...(given.errorMessage !== undefined ? { errorMessage: withoutNul(given.errorMessage) } : {}),
  }
  const outcome =
    report.provider === 'app'
      ? await applyInAppReceipt(ctx.db, { accountId: report.accountId, messageId: report.messageId, status: report.status as 'delivered' | 'read', at })
      : await applyStatus(ctx.db, {
          accountId: report.accountId,
          provider: report.provider,
          providerMessageId: report.messageId,
          status: report.status,
          ...(report.errorCode !== undefined ? { errorCode: report.errorCode } : {}),
          ...(report.errorMessage !== undefined ? { errorMessage: report.errorMessage } : {}),
          at,
        })
  const log = { accountId: report.accountId, provider: report.provider, providerMessageId: report.messageId, status: report.status, errorCode: report.errorCode, outcome }
  if (outcome === 'applied' && (report.status === 'failed' || report.status === 'undelivered')) ctx.logger.warn(log, 'message not delivered')
  else ctx.logger.info(log, 'delivery status received')
  return outcome
}
