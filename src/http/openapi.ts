import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

/** The OpenAPI document is generated from the route schemas; the UI is served at /api/api-docs. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Connect to Messaging',
        description: 'IVR deflection to messaging, wire-compatible with the LivePerson C2M 2.0 API.',
        version: '2.0',
      },
      components: {
        securitySchemes: {
          oauth1: { type: 'http', scheme: 'OAuth', description: 'OAuth 1.0a HMAC-SHA1 (RFC 5849) with the API key\'s four values' },
          appJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'app JWT from POST /api/account/{accountId}/app-jwt' },
        },
      },
      security: [{ oauth1: [] }, { appJwt: [] }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/api/api-docs' })
}
