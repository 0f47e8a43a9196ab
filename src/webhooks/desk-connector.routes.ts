import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { requireAccess } from '../auth/actor.ts'
import { AccountParams, AUTHENTICATED_ERRORS } from '../http/schemas.ts'
import { DESK_EVENTS } from './webhook-events.ts'
import { readDeskConnector, removeDeskConnector, rotateDeskSecret, saveDeskConnector } from './desk-connector.service.ts'

const Event = Type.Union([Type.Literal('conversation.created'), Type.Literal('message.created'), Type.Literal('conversation.transferred'), Type.Literal('conversation.closed')])
const Events = Type.Array(Event, { minItems: 1, maxItems: DESK_EVENTS.length, uniqueItems: true })
const Mode = Type.Union([Type.Literal('instead'), Type.Literal('alongside')], { description: '`instead`: conversations go to the desk only; `alongside`: to the built-in agents too' })
const Secret = Type.String({ pattern: '^whsec_', description: 'the Standard Webhooks signing secret: shown this once, never again' })

const DeskConnector = Type.Object({
  url: Type.String(),
  mode: Mode,
  events: Events,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when the desk answered 410 Gone: nothing is sent until the connector is saved again' }),
})

const DeskConnectorBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'where events are POSTed: https, public addresses only (unless the host is on the operator\'s WEBHOOK_URL_ALLOWLIST)' }),
    mode: Mode,
    events: Type.Optional({ ...Events, description: 'the events sent; all four when absent' }),
  },
  { additionalProperties: false },
)

/**
 * The brand's external desk connector: its conversations' events POSTed to the brand's own agent
 * desk, signed per Standard Webhooks (see webhook.dispatcher.ts). Admins and management API keys.
 */
export function deskConnectorRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const onRequest = requireAccess(ctx, { key: 'management', roles: ['admin'] })
    const schema = { tags: ['desk-connector'], params: AccountParams }

    app.get('/desk-connector', { onRequest, schema: { ...schema, summary: 'Read the external desk connector', response: { 200: DeskConnector, ...AUTHENTICATED_ERRORS } } }, async (request) => readDeskConnector(ctx, request.params.accountId))

    app.put(
      '/desk-connector',
      {
        onRequest,
        schema: {
          ...schema,
          summary: 'Connect the brand\'s own agent desk (or change its URL, mode or events)',
          description: 'Creating the connector answers 201 with its signing `secret`, shown this once; later saves keep the secret and answer 200 without it.',
          body: DeskConnectorBody,
          response: { 200: DeskConnector, 201: Type.Intersect([DeskConnector, Type.Object({ secret: Secret })]), ...AUTHENTICATED_ERRORS },
        },
      },
      async (request, reply) => {
        const { connector, secret } = await saveDeskConnector(ctx, request.params.accountId, request.body)
        return secret === undefined ? connector : reply.code(201).send({ ...connector, secret })
      },
    )

    app.post(
      '/desk-connector/secret',
      { onRequest, schema: { ...schema, summary: 'Replace the desk connector\'s signing secret', description: 'The new secret is shown this once; every attempt from now on is signed with it, retries included.', response: { 200: Type.Object({ secret: Secret }), ...AUTHENTICATED_ERRORS } } },
      async (request) => ({ secret: await rotateDeskSecret(ctx, request.params.accountId) }),
    )

    app.delete(
      '/desk-connector',
      { onRequest, schema: { ...schema, summary: 'Disconnect the desk', description: 'Events not yet delivered are dropped; nothing more is sent.', response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        await removeDeskConnector(ctx, request.params.accountId)
        return reply.code(204).send(null)
      },
    )
  }
}
