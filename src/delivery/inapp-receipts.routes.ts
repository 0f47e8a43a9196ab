import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { appOrManagement, requirePrivilege } from '../auth/auth.hooks.ts'
import { receiveStatus } from './status.service.ts'
import { findOutboxById } from './outbox.repository.ts'
import { apiError } from '../shared/errors.ts'
import { AccountParams, AUTHENTICATED_ERRORS } from '../http/schemas.ts'

const MessageParams = Type.Intersect([
  AccountParams,
  Type.Object({ messageId: Type.String({ minLength: 1, maxLength: 255, description: 'our message id: the `messageId` of the push\'s data payload' }) }),
])
const ReceiptBody = Type.Object(
  { status: Type.Enum(['delivered', 'read'], { description: '`delivered` when the push reached the app, `read` when the consumer saw the message' }) },
  { additionalProperties: false },
)

/**
 * In-app delivery receipts. FCM says nothing once it has accepted a push, so the brand's app
 * reports what became of it; the receipt moves the message forward only, and counts once.
 */
export function inAppReceiptRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    // The app itself (an app JWT of the brand) reports, or the brand's backend on its behalf (management key).
    const onRequest = requirePrivilege(ctx, appOrManagement)

    app.post(
      '/inapp/messages/:messageId/status',
      {
        onRequest,
        schema: {
          tags: ['consumers'],
          summary: 'Report that an in-app message reached the app (delivered) or was read',
          description: 'A status never moves a message back: `delivered` after `read` changes nothing, and a repeated receipt is acknowledged and ignored.',
          params: MessageParams,
          body: ReceiptBody,
          response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS },
        },
      },
      async (request, reply) => {
        const { accountId, messageId } = request.params
        // Another brand's message answers exactly as an unknown one: a brand learns nothing of others' ids.
        const message = await findOutboxById(ctx.db, accountId, messageId)
        if (!message) throw apiError('notFound')
        if (message.channel !== 'inapp') throw apiError('notFound', 'this message was not sent in-app')
        // A receipt that beats our record of the push (the app was quicker than our transaction)
        // is kept, and counts once the push is recorded.
        await receiveStatus({ ...ctx, logger: request.log }, { accountId, provider: 'app', messageId, status: request.body.status })
        return reply.code(204).send(null)
      },
    )
  }
}
