import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { CONFIG_READERS, CONFIG_WRITERS, requireAccess } from '../auth/actor.ts'
import { AccountParams, AUTHENTICATED_ERRORS, ErrorResponse } from '../http/schemas.ts'
import { CHANNELS, CHANNEL_MODES } from '../shared/channel.ts'
import { switchChannelMode } from './brand-config.service.ts'
import { type ChannelModeState, canDeliver, listChannelModes } from './channel-mode.repository.ts'

const ChannelModeResponse = Type.Object({
  channel: Type.Enum(CHANNELS),
  mode: Type.Enum(CHANNEL_MODES, { description: '`sandbox`: messages land in the consumer simulator; `live`: sent through the provider connection' }),
  connected: Type.Boolean({ description: 'whether the channel\'s provider (Twilio, WhatsApp, FCM) is connected' }),
  deliverable: Type.Boolean({ description: 'false when live without a connection: eligibility does not offer the channel and its sends fail' }),
})

/**
 * Each channel's delivery mode. New brands start in sandbox; connecting a provider makes its
 * channel live; going back to the sandbox is this explicit call, never a side effect of a
 * deleted connection.
 */
export function channelModeRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const read = requireAccess(ctx, { key: 'management', roles: CONFIG_READERS })
    const write = requireAccess(ctx, { key: 'management', roles: CONFIG_WRITERS })
    const tags = ['settings']

    app.get(
      '/channel-modes',
      { onRequest: read, schema: { tags, summary: 'Each channel\'s mode (sandbox or live) and whether it can deliver', params: AccountParams, response: { 200: Type.Object({ items: Type.Array(ChannelModeResponse) }), ...AUTHENTICATED_ERRORS } } },
      async (request) => ({ items: (await listChannelModes(ctx.db, request.params.accountId)).map(withDeliverable) }),
    )

    app.put(
      '/channel-modes/:channel',
      {
        onRequest: write,
        schema: {
          tags,
          summary: 'Switch a channel between sandbox and live',
          description: '`live` needs the channel\'s provider connection (409 otherwise); `sandbox` is always allowed and keeps the connection stored.',
          params: Type.Intersect([AccountParams, Type.Object({ channel: Type.Enum(CHANNELS) })]),
          body: Type.Object({ mode: Type.Enum(CHANNEL_MODES) }, { additionalProperties: false }),
          response: { 200: ChannelModeResponse, ...AUTHENTICATED_ERRORS, 409: ErrorResponse },
        },
      },
      async (request) => {
        const { accountId, channel } = request.params
        const { mode } = request.body
        const state = await switchChannelMode(ctx, accountId, channel, mode)
        request.log.info({ accountId, channel, mode }, 'channel mode changed')
        return withDeliverable(state)
      },
    )
  }
}

function withDeliverable(state: ChannelModeState) {
  return { ...state, deliverable: canDeliver(state) }
}
