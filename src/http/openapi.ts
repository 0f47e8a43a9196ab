import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { errorTable } from './error-table.ts'

const DESCRIPTION = `IVR deflection to messaging, wire-compatible with the LivePerson C2M 2.0 API.

Every API under \`/api/account/{accountId}/\` takes OAuth 1.0a or an app JWT (see the security schemes);
the webhooks are verified by their provider's signature instead.

## Errors

Every error is \`{"errorCode": …, "errorMessage": …}\`, sometimes with a \`detail\` saying why and, for
400 1000, \`fields\` naming each bad field (\`[{"field", "message"}]\`). The service answers these,
and only these (generated from its error catalogue):

${errorTable()}
`

const OAUTH1 = `OAuth 1.0a (RFC 5849), HMAC-SHA1, with the four values of an API key:
\`Authorization: OAuth oauth_consumer_key="<appKey>", oauth_token="<accessToken>", oauth_signature_method="HMAC-SHA1",
oauth_timestamp="…", oauth_nonce="…", oauth_version="1.0", oauth_signature="…"\`.

What is signed: the signature base string \`METHOD&url&parameters\`, where \`url\` is the URL the client called
without its query (scheme and host lower-case, default port dropped; behind a proxy, the \`PUBLIC_URL\` origin)
and \`parameters\` are the header's \`oauth_*\` parameters (except \`oauth_signature\` and \`realm\`) together with
the query string's (such as \`v=2.0\`), percent-encoded and sorted. The body is not signed. The HMAC-SHA1 key
is \`<secret>&<accessTokenSecret>\`, each percent-encoded; the signature is the base64 digest.

\`oauth_timestamp\` must be within \`OAUTH_TIMESTAMP_WINDOW\` (600 s by default) of the server's clock and each
\`oauth_nonce\` is accepted once. What the C2M spec's Node (\`oauth-1.0a\`) and Java snippets send is accepted as is.
A failure answers 401 1100.`

const APP_JWT = `An app JWT: \`POST /api/account/{accountId}/app-jwt\` with \`grant_type=client_credentials\`,
\`client_id=<appKey>\` and \`client_secret=<secret>\` (a form or JSON) answers \`{access_token, token_type, expires_in}\`;
send \`Authorization: Bearer <access_token>\` until it expires (\`APP_JWT_TTL\`, 3600 s by default).
It carries the privileges of the key it was issued for.`

const CONSUMER_TOKEN = `A consumer token, for the brand's app acting for one consumer (the \`consumer\` routes only):
the brand's backend mints it with \`POST /api/account/{accountId}/consumer-tokens\` \`{consumerId}\` (a management key or an
app JWT) and hands it to the app, which sends \`Authorization: Bearer <token>\` until \`expiresAt\`
(\`CONSUMER_TOKEN_TTL_SECONDS\`, 900 s by default). It is no app JWT, and an app JWT is none.`

/** The OpenAPI document is generated from the route schemas; the UI is served at /api/api-docs. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Connect to Messaging', description: DESCRIPTION, version: '2.0' },
      components: {
        securitySchemes: {
          oauth1: { type: 'http', scheme: 'OAuth', description: OAUTH1 },
          appJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: APP_JWT },
          consumerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: CONSUMER_TOKEN },
        },
      },
      security: [{ oauth1: [] }, { appJwt: [] }],
    },
    transformObject: (document) => withDefaultsOptional('openapiObject' in document ? document.openapiObject : document.swaggerObject),
  })
  await app.register(swaggerUi, { routePrefix: '/api/api-docs' })
}

interface Parameter {
  required?: boolean
  schema?: { default?: unknown }
}

/**
 * Validation fills a missing parameter with its schema's default, so a caller may leave out
 * every parameter that has one; the schemas list those as required only to type them as
 * always present in the handlers.
 */
function withDefaultsOptional<T>(document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, { parameters?: Parameter[] }>> }).paths ?? {}
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.schema?.default !== undefined) parameter.required = false
      }
    }
  }
  return document
}
