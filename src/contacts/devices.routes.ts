import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { appOrManagement, requirePrivilege } from '../auth/auth.hooks.ts'
import { listApps } from '../brand-config/catalog.repository.ts'
import { invalidFields } from '../shared/errors.ts'
import { AccountParams, AUTHENTICATED_ERRORS } from '../http/schemas.ts'
import { upsertDevice } from './device.repository.ts'

const Platform = Type.Enum(['ios', 'android'])
const DeviceBody = Type.Object(
  { appId: Type.String({ minLength: 1, maxLength: 255 }), platform: Platform, pushToken: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
)
const DeviceResponse = Type.Object({ consumerId: Type.String(), appId: Type.String(), platform: Platform, pushToken: Type.String(), createdAt: Type.String(), updatedAt: Type.String() })
const ConsumerParams = Type.Intersect([AccountParams, Type.Object({ consumerId: Type.String({ minLength: 1, maxLength: 255 }) })])

/** Consumers' app installations: what makes a consumer reachable in-app. */
export function deviceRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    // The brand's backend or the app itself registers devices.
    const onRequest = requirePrivilege(ctx, appOrManagement)

    app.post(
      '/consumers/:consumerId/devices',
      { onRequest, schema: { tags: ['consumers'], summary: 'Register a consumer\'s device for in-app messaging', params: ConsumerParams, body: DeviceBody, response: { 201: DeviceResponse, ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        const { accountId, consumerId } = request.params
        const registered = (await listApps(ctx.db, accountId)).find((a) => a.appId === request.body.appId)
        if (!registered) throw invalidFields([{ field: 'appId', message: 'is not a registered app of this brand' }])
        if (registered.platform !== request.body.platform) throw invalidFields([{ field: 'platform', message: `app ${registered.appId} is registered for ${registered.platform}` }])
        const now = ctx.clock.now().toISOString()
        const device = { consumerId, ...request.body, createdAt: now, updatedAt: now }
        await upsertDevice(ctx.db, accountId, device)
        return reply.code(201).send(device)
      },
    )
  }
}
