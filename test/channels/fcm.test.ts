import assert from 'node:assert/strict'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { after, before, beforeEach, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { dialects, json, provisionBrand, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { FakeFcm, FakeGoogleOAuth } from '../fakes/fcm.fake.ts'
import { createApiKey, type IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { fallBack } from '../../src/delivery/fallback.ts'
import { AdapterRegistry } from '../../src/channels/adapter-registry.ts'
import { saveConnection } from '../../src/channels/connections/connection.repository.ts'
import type { ServiceAccountKey } from '../../src/channels/connections/connection.ts'
import { FCM_SCOPE, FcmPushAdapter, type PushDevices } from '../../src/channels/fcm/fcm-push.adapter.ts'
import type { OutboundMessage } from '../../src/channels/outbound-message.ts'
import { listDevices } from '../../src/contacts/device.repository.ts'
import { pushDevices } from '../../src/contacts/push-devices.ts'
import { listDeliveriesOfCall } from '../../src/delivery/delivery.repository.ts'
import { DEFAULT_DISPATCHER_OPTIONS, Dispatcher } from '../../src/delivery/dispatcher.ts'
import { enqueue, findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

// A brand connected to Firebase Cloud Messaging, with Google's token endpoint and FCM HTTP v1
// played by local fakes: eligibility → invite → service-account token → one push per device, and
// each way a push fails. No background dispatcher: every send happens in an explicit `runOnce`.

const ACCOUNT = '6100'
/** A brand whose service-account key Google does not know (a deleted key, a copy-paste mistake). */
const STRANGER = '6200'
/** A brand that connects with the defaults only. */
const DEFAULTS_ONLY = '6300'
const PROJECT_ID = 'acme-c2m-push'
const CLIENT_EMAIL = 'c2m-push@acme-c2m-push.iam.gserviceaccount.com'
const KEY_ID = '8f1c2e7a4b9d0c3e5f6a7b8c9d0e1f2a3b4c5d6e'
const IOS_APP = 'com.acme.ios'
const ANDROID_APP = 'com.acme.android'
const MESSAGE = 'Continue in the Acme app.'
const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '1000000' }
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

// Throwaway keys: the fake token endpoint knows the first one's public half only.
const pem = { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } } as const
const serviceKey = generateKeyPairSync('rsa', pem)
const strangerKey = generateKeyPairSync('rsa', pem)

/** A service-account key file as the Firebase console downloads it. */
function keyFile(privateKey: string): Record<string, string> {
  return {
    type: 'service_account',
    project_id: PROJECT_ID,
    private_key_id: KEY_ID,
    private_key: privateKey,
    client_email: CLIENT_EMAIL,
    client_id: '109876543210987654321',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(CLIENT_EMAIL)}`,
    universe_domain: 'googleapis.com',
  }
}

function assertInvalid(res: LightMyRequestResponse, fields: string[]): void {
  assert.equal(res.statusCode, 400, res.body)
  assert.equal(json(res).errorCode, 1000, res.body)
  assert.deepEqual([...new Set((json(res).fields as Array<{ field: string }>).map((f) => f.field))].sort(), [...fields].sort(), res.body)
}

for (const dialect of dialects) {
  describe(`FCM in-app push channel (${dialect.name})`, () => {
    let t: TestApp
    let oauth: FakeGoogleOAuth
    let fcm: FakeFcm
    let key: IssuedApiKey
    let brand: BrandFixture<'inapp'>
    let stranger: BrandFixture<'inapp'>
    let handoffId: string
    let nextPhone = 1000
    let nextConsumer = 1

    /** A brand with one in-app handoff to both apps, connected with the given service-account key. */
    const configure = (account: string, privateKey: string) =>
      brandFixture(t, account, {
        skills: ['support'],
        apps: [
          { appId: IOS_APP, platform: 'ios', name: 'Acme iOS' },
          { appId: ANDROID_APP, platform: 'android', name: 'Acme Android' },
        ],
        channels: ['inapp'],
        connect: { fcm: { projectId: PROJECT_ID, serviceAccount: keyFile(privateKey), notificationTitle: 'Acme' } },
        handoffs: { inapp: { title: 'In-app', channels: ['inapp'], inapp: { appIds: [IOS_APP, ANDROID_APP], message: MESSAGE } } },
      })

    /**
     * (Re)connects a brand to the fakes. The clock moves first: a connection saved at a new time
     * gets a new adapter, so a test that counts token requests starts with none cached.
     */
    async function connect(account = ACCOUNT, apiKey = key, privateKey = serviceKey.privateKey): Promise<void> {
      t.clock.advance(1000)
      const res = await signedRequest(t, apiKey, 'PUT', `/api/account/${account}/channels/fcm`, {
        projectId: PROJECT_ID,
        serviceAccount: keyFile(privateKey),
        notificationTitle: 'Acme',
      })
      assert.equal(res.statusCode, 200, res.body)
    }

    /** A new consumer with a device on each of the given apps; their push tokens, in registration order. */
    async function consumerWithDevices(apps: string[] = [IOS_APP], account = ACCOUNT, apiKey = key): Promise<{ consumerId: string; tokens: string[] }> {
      const consumerId = `consumer-${nextConsumer++}`
      const tokens: string[] = []
      for (const appId of apps) {
        // Tokens sort in registration order, which is the order devices are pushed to.
        const pushToken = `fcm-${consumerId}-${tokens.length + 1}-${appId}:APA91b${'x'.repeat(120)}`
        const res = await signedRequest(t, apiKey, 'POST', `/api/account/${account}/consumers/${consumerId}/devices`, { appId, platform: appId === IOS_APP ? 'ios' : 'android', pushToken })
        assert.equal(res.statusCode, 201, res.body)
        tokens.push(pushToken)
      }
      return { consumerId, tokens }
    }

    /** Eligibility with the consumer's id, then invite; the call's id and our message id. */
    async function invite(consumerId: string, b = brand): Promise<{ callId: string; messageId: string }> {
      const eligibility = await b.eligibility(`+1425955${nextPhone++}`, b.handoffs.inapp, { consumerId })
      assert.equal(eligibility.statusCode, 200, eligibility.body)
      assert.deepEqual(json(eligibility).availableChannels, ['inapp'], eligibility.body)
      const { callId } = json(eligibility)
      const invited = await b.invite(callId)
      assert.equal(invited.statusCode, 200, invited.body)
      const row = await findOutboxByCall(t.runtime.db, callId)
      assert.ok(row)
      return { callId, messageId: row.id }
    }

    async function sandboxInbox(consumer: string, account = ACCOUNT, apiKey = key): Promise<unknown[]> {
      const res = await signedRequest(t, apiKey, 'GET', `/api/account/${account}/sandbox/messages?consumer=${encodeURIComponent(consumer)}`)
      assert.equal(res.statusCode, 200, res.body)
      return json(res).items
    }

    const pushesTo = (token: string) => fcm.requests.filter((r) => r.body?.message?.token === token)

    before(async () => {
      oauth = await FakeGoogleOAuth.start({ clientEmail: CLIENT_EMAIL, publicKey: serviceKey.publicKey, keyId: KEY_ID })
      fcm = await FakeFcm.start({ projectId: PROJECT_ID, oauth })
      t = await startApp(dialect, { ...ENV, FCM_API_URL: fcm.baseUrl, FCM_TOKEN_URL: oauth.tokenUrl })
      brand = await configure(ACCOUNT, serviceKey.privateKey)
      ;({ key } = brand)
      handoffId = brand.handoffs.inapp
      stranger = await configure(STRANGER, strangerKey.privateKey)
    })
    beforeEach(() => {
      oauth.reset()
      fcm.reset()
    })
    after(async () => {
      await t?.close()
      await fcm?.close()
      await oauth?.close()
    })

    describe('the connection', () => {
      test('PUT and GET show who the service account is, never its private key', async () => {
        const expected = {
          projectId: PROJECT_ID,
          serviceAccount: { client_email: CLIENT_EMAIL, private_key_id: KEY_ID, private_key: '••••' },
          notificationTitle: 'Acme',
        }
        const put = await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channels/fcm`, { projectId: PROJECT_ID, serviceAccount: keyFile(serviceKey.privateKey), notificationTitle: 'Acme' })
        assert.equal(put.statusCode, 200, put.body)
        assert.deepEqual(json(put), expected)
        const got = await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/channels/fcm`)
        assert.equal(got.statusCode, 200, got.body)
        assert.deepEqual(json(got), expected)
        const base64Lines = serviceKey.privateKey.split('\n').filter((line) => line !== '' && !line.startsWith('-----'))
        for (const body of [put.body, got.body]) {
          assert.ok(!body.includes('PRIVATE KEY'), body)
          for (const line of base64Lines) assert.ok(!body.includes(line.slice(-8)), 'no piece of the key is shown')
        }
      })

      test('Google\'s hosts a brand may name instead of the service\'s are kept, origin or token URL; DELETE removes the connection', async () => {
        const admin = await provisionBrand(t.runtime, DEFAULTS_ONLY, ['management'])
        const put = await signedRequest(t, admin, 'PUT', `/api/account/${DEFAULTS_ONLY}/channels/fcm`, { projectId: PROJECT_ID, serviceAccount: keyFile(serviceKey.privateKey), baseUrl: 'https://fcm.googleapis.com/', tokenUrl: 'https://oauth2.googleapis.com/token' })
        assert.equal(put.statusCode, 200, put.body)
        const got = json(await signedRequest(t, admin, 'GET', `/api/account/${DEFAULTS_ONLY}/channels/fcm`))
        assert.equal(got.baseUrl, 'https://fcm.googleapis.com')
        assert.equal(got.tokenUrl, 'https://oauth2.googleapis.com/token')
        assert.equal(got.notificationTitle, undefined)
        assert.equal((await signedRequest(t, admin, 'DELETE', `/api/account/${DEFAULTS_ONLY}/channels/fcm`)).statusCode, 204)
        assert.equal((await signedRequest(t, admin, 'GET', `/api/account/${DEFAULTS_ONLY}/channels/fcm`)).statusCode, 404)
      })

      test('a body that is not a service-account key is refused, field by field', async () => {
        const put = (body: object) => signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channels/fcm`, body)
        const { private_key: _, ...withoutKey } = keyFile(serviceKey.privateKey)
        assertInvalid(await put({ projectId: PROJECT_ID, serviceAccount: withoutKey }), ['serviceAccount.private_key'])
        assertInvalid(await put({ projectId: PROJECT_ID, serviceAccount: { ...keyFile(serviceKey.privateKey), type: 'authorized_user' } }), ['serviceAccount.type'])
        assertInvalid(await put({ projectId: PROJECT_ID, serviceAccount: { ...keyFile('not a key'), client_email: 'nobody' } }), ['serviceAccount.private_key', 'serviceAccount.client_email'])
        assertInvalid(await put({ projectId: 'Acme Push', serviceAccount: keyFile(serviceKey.privateKey), tokenUrl: 'oauth2.example.com/token' }), ['projectId', 'tokenUrl'])
        assertInvalid(await put({ serviceAccount: keyFile(serviceKey.privateKey), apiKey: 'AAAA' }), ['projectId', 'apiKey'])
      })
    })

    describe('sending', () => {
      test('one push per device, with a token from the service account\'s grant, reused for the next message', async () => {
        await connect()
        const { consumerId, tokens } = await consumerWithDevices([IOS_APP, ANDROID_APP])
        const { callId, messageId } = await invite(consumerId)
        assert.equal(fcm.requests.length, 0, 'the invite only writes the outbox')
        assert.equal(await t.app.dispatcher.runOnce(), 1)

        assert.equal(oauth.requests.length, 1)
        const [grant] = oauth.requests
        assert.equal(grant?.grantType, JWT_BEARER)
        assert.match(grant?.contentType ?? '', /^application\/x-www-form-urlencoded/)
        assert.equal(grant?.header?.alg, 'RS256')
        assert.equal(grant?.claims?.iss, CLIENT_EMAIL)
        assert.equal(grant?.claims?.scope, FCM_SCOPE)
        assert.equal(grant?.header?.kid, KEY_ID)
        assert.equal(grant?.claims?.aud, oauth.tokenUrl, 'the assertion is for the token endpoint it is posted to')
        assert.equal((grant?.claims?.exp as number) - (grant?.claims?.iat as number), 3600)
        const accessToken = oauth.issued[0]
        assert.ok(accessToken)

        assert.deepEqual(fcm.requests.map((r) => r.body.message.token).sort(), [...tokens].sort())
        for (const request of fcm.requests) {
          assert.equal(request.projectId, PROJECT_ID)
          assert.equal(request.authorization, `Bearer ${accessToken}`)
          assert.ok(request.name, 'FCM accepted it')
          assert.deepEqual(request.body, {
            message: {
              token: request.body.message.token,
              notification: { title: 'Acme', body: MESSAGE },
              data: { messageId, accountId: ACCOUNT, backendService: 'c2m', lookbackMinutes: '120', callId },
              android: { notification: { tag: messageId } },
              apns: { headers: { 'apns-collapse-id': messageId } },
            },
          })
        }

        const firstName = pushesTo(tokens[0]!)[0]?.name
        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(row?.status, 'sent')
        assert.equal(row?.providerMessageId, firstName, 'the first device\'s message name is the provider id')
        const deliveries = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.deepEqual(deliveries.map((d) => [d.provider, d.providerMessageId, d.status]), [['fcm', firstName, 'sent']])
        assert.deepEqual(await sandboxInbox(consumerId), [], 'nothing went to the sandbox')

        const second = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, second.callId))?.status, 'sent')
        assert.equal(fcm.requests.length, 4)
        assert.equal(oauth.requests.length, 1, 'the token was fetched once')
        for (const request of fcm.requests.slice(2)) {
          assert.equal(request.authorization, `Bearer ${accessToken}`)
          assert.equal(request.body.message.data.messageId, second.messageId)
        }
      })

      test('without a notification title, the push carries the body alone', async () => {
        t.clock.advance(1000)
        const res = await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channels/fcm`, { projectId: PROJECT_ID, serviceAccount: keyFile(serviceKey.privateKey) })
        assert.equal(res.statusCode, 200, res.body)
        const { consumerId } = await consumerWithDevices()
        await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.deepEqual(fcm.requests.map((r) => r.body.message.notification), [{ body: MESSAGE }])
        await connect()
      })

      test('a token within five minutes of its expiry is not reused: the next message gets a new one', async () => {
        await connect()
        oauth.expiresInSeconds = 240
        const { consumerId } = await consumerWithDevices()
        for (let i = 0; i < 2; i++) {
          await invite(consumerId)
          assert.equal(await t.app.dispatcher.runOnce(), 1)
        }
        assert.equal(oauth.issued.length, 2)
        assert.deepEqual(fcm.requests.map((r) => r.authorization), oauth.issued.map((token) => `Bearer ${token}`))
      })

      test('a revoked token: FCM answers 401, and the retry is sent with a new token', async () => {
        await connect()
        const { consumerId } = await consumerWithDevices()
        await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        oauth.revokeAll()
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const waiting = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(waiting?.status, 'pending')
        assert.match(waiting?.lastError ?? '', /^inapp UNAUTHENTICATED: Request had invalid authentication credentials/)
        t.clock.set(waiting!.availableAt)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        assert.equal(oauth.issued.length, 2)
        assert.equal(fcm.requests.at(-1)?.authorization, `Bearer ${oauth.issued[1]}`)
      })

      test('UNREGISTERED on the consumer\'s only token: failed at once, without retry', async () => {
        const { consumerId, tokens } = await consumerWithDevices()
        fcm.unregister(tokens[0]!)
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(row?.status, 'failed')
        assert.equal(row?.lastError, 'inapp UNREGISTERED: Requested entity was not found.')
        t.clock.advance(3600_000)
        assert.equal(await t.app.dispatcher.runOnce(), 0, 'nothing is retried')
        assert.equal(fcm.requests.length, 1)
        assert.deepEqual(await listDeliveriesOfCall(t.runtime.db, callId), [])
      })

      test('one stale token of two: the other device\'s push makes the message sent', async () => {
        const { consumerId, tokens } = await consumerWithDevices([IOS_APP, ANDROID_APP])
        fcm.unregister(tokens[0]!)
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(row?.status, 'sent')
        assert.equal(row?.providerMessageId, pushesTo(tokens[1]!)[0]?.name)
        assert.equal(pushesTo(tokens[0]!)[0]?.name, undefined)
      })

      test('every device refused for good (UNREGISTERED, INVALID_ARGUMENT): failed, with the first device\'s error', async () => {
        const { consumerId, tokens } = await consumerWithDevices([IOS_APP, ANDROID_APP])
        fcm.unregister(tokens[0]!)
        fcm.next({ error: 'INVALID_ARGUMENT' })
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(row?.status, 'failed')
        assert.equal(row?.lastError, 'inapp UNREGISTERED: none of 2 devices accepted the push: Requested entity was not found.')
        assert.equal(fcm.requests.length, 2)
      })

      test('one device stale, the other unavailable: retried, and sent to the one that recovered', async () => {
        const { consumerId, tokens } = await consumerWithDevices([IOS_APP, ANDROID_APP])
        fcm.unregister(tokens[0]!)
        fcm.next({ error: 'UNAVAILABLE' })
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const waiting = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(waiting?.status, 'pending')
        assert.equal(waiting?.lastError, 'inapp UNAVAILABLE: none of 2 devices accepted the push: The service is currently unavailable.')
        t.clock.set(waiting!.availableAt)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const sent = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(sent?.status, 'sent')
        assert.equal(sent?.providerMessageId, pushesTo(tokens[1]!)[1]?.name)
      })

      for (const error of ['UNAVAILABLE', 'INTERNAL'] as const) {
        test(`${error} (a ${error === 'UNAVAILABLE' ? 503 : 500}), then success: retried after the backoff and sent`, async () => {
          const { consumerId } = await consumerWithDevices()
          fcm.next({ error })
          const { callId } = await invite(consumerId)
          assert.equal(await t.app.dispatcher.runOnce(), 1)
          const waiting = await findOutboxByCall(t.runtime.db, callId)
          assert.equal(waiting?.status, 'pending')
          assert.match(waiting?.lastError ?? '', new RegExp(`^inapp ${error}: `))
          const wait = Date.parse(waiting!.availableAt) - t.clock.now().getTime()
          assert.ok(wait >= 500 && wait <= 1000, `first backoff is 0.5 to 1 s, got ${wait} ms`)
          t.clock.advance(wait)
          assert.equal(await t.app.dispatcher.runOnce(), 1)
          const sent = await findOutboxByCall(t.runtime.db, callId)
          assert.equal(sent?.status, 'sent')
          assert.equal(sent?.attempts, 2)
          assert.equal(fcm.requests.length, 2)
          assert.equal(sent?.providerMessageId, fcm.requests[1]?.name)
        })
      }

      test('QUOTA_EXCEEDED, a 429 with Retry-After: not sent again before the time FCM gave', async () => {
        const { consumerId } = await consumerWithDevices()
        fcm.next({ error: 'QUOTA_EXCEEDED', retryAfterSeconds: 120 })
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const waiting = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(waiting?.status, 'pending')
        assert.match(waiting?.lastError ?? '', /^inapp QUOTA_EXCEEDED: Quota exceeded/)
        assert.equal(Date.parse(waiting!.availableAt), t.clock.now().getTime() + 120_000)
        t.clock.advance(119_000)
        assert.equal(await t.app.dispatcher.runOnce(), 0)
        t.clock.advance(1_000)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        assert.equal(fcm.requests.length, 2)
      })

      test('a token endpoint or an FCM that never answers: transient timeouts, then sent', async () => {
        // The app's adapters wait 10 s; this dispatcher's wait 200 ms, over the same stored connection.
        const adapters = new AdapterRegistry(t.runtime.db, t.runtime.secrets, t.clock, {
          twilio: () => assert.fail('no Twilio connection in this suite'),
          whatsapp: () => assert.fail('no WhatsApp connection in this suite'),
          fcm: (accountId, connection) => new FcmPushAdapter(connection, t.config, pushDevices(t.runtime.db, accountId, pino({ level: 'silent' })), { timeoutMs: 200 }),
        })
        const dispatcher = new Dispatcher(t.runtime.db, t.clock, adapters, pino({ level: 'silent' }), DEFAULT_DISPATCHER_OPTIONS, (claim, failed, reason, now) => fallBack(t.runtime, claim, failed, reason, now))
        const { consumerId } = await consumerWithDevices()
        oauth.next({ hang: true })
        fcm.next({ hang: true })
        const { callId } = await invite(consumerId)

        assert.equal(await dispatcher.runOnce(), 1)
        const noToken = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(noToken?.status, 'pending')
        assert.match(noToken?.lastError ?? '', /^inapp token_timeout: Google's token endpoint did not answer/)
        assert.equal(fcm.requests.length, 0)

        t.clock.set(noToken!.availableAt)
        assert.equal(await dispatcher.runOnce(), 1)
        const noPush = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(noPush?.status, 'pending')
        assert.match(noPush?.lastError ?? '', /^inapp timeout: fcm did not answer/)

        t.clock.set(noPush!.availableAt)
        assert.equal(await dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        assert.equal(fcm.requests.length, 2)
        assert.equal(oauth.requests.length, 2)
      })

      test('a token endpoint in trouble (503): transient, and the retry gets a token and is sent', async () => {
        await connect()
        const { consumerId } = await consumerWithDevices()
        oauth.next({ status: 503 })
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const waiting = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(waiting?.status, 'pending')
        assert.equal(waiting?.lastError, 'inapp internal_failure: Google\'s token endpoint answered 503: Backend Error')
        assert.equal(fcm.requests.length, 0)
        t.clock.set(waiting!.availableAt)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
      })

      test('a key Google does not know: the grant is refused (invalid_grant) and the message fails without a push', async () => {
        const { consumerId } = await consumerWithDevices([IOS_APP], STRANGER, stranger.key)
        const { callId } = await invite(consumerId, stranger)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(row?.status, 'failed')
        assert.equal(row?.lastError, 'inapp invalid_grant: Google\'s token endpoint answered 400: Invalid JWT Signature.')
        assert.equal(oauth.requests.length, 1)
        assert.equal(fcm.requests.length, 0)
      })

      test('a service-account key that cannot sign RS256 (an EC key): failed at once, nothing posted', async () => {
        const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
        await connect(ACCOUNT, key, ecKey.privateKey)
        try {
          const { consumerId } = await consumerWithDevices()
          const { callId } = await invite(consumerId)
          assert.equal(await t.app.dispatcher.runOnce(), 1)
          const row = await findOutboxByCall(t.runtime.db, callId)
          assert.equal(row?.status, 'failed')
          assert.match(row?.lastError ?? '', /^inapp invalid_service_account: the service account's key cannot sign: /)
          assert.equal(oauth.requests.length, 0)
          assert.equal(fcm.requests.length, 0)
        } finally {
          await connect()
        }
      })

      test('a token URL stored before endpoints were checked, on loopback: refused at send, permanently, and nothing reaches it', async () => {
        t.clock.advance(1000)
        await saveConnection(t.runtime.db, t.runtime.secrets, ACCOUNT, 'fcm', { projectId: PROJECT_ID, serviceAccount: keyFile(serviceKey.privateKey) as ServiceAccountKey, tokenUrl: oauth.tokenUrl }, t.clock.now().toISOString())
        try {
          const { consumerId } = await consumerWithDevices()
          const { callId } = await invite(consumerId)
          assert.equal(await t.app.dispatcher.runOnce(), 1)
          const row = await findOutboxByCall(t.runtime.db, callId)
          assert.equal(row?.status, 'failed')
          assert.equal(row?.lastError, `inapp token_endpoint_refused: Google's token endpoint not called: ${oauth.tokenUrl} must use https`)
          assert.equal(oauth.requests.length, 0)
          assert.equal(fcm.requests.length, 0)
        } finally {
          await connect()
        }
      })

      test('a device gone between invite and send: failed as no_device, nothing pushed', async () => {
        const { consumerId } = await consumerWithDevices()
        const { callId } = await invite(consumerId)
        await t.runtime.db.deleteFrom('devices').where('account_id', '=', ACCOUNT).where('consumer_id', '=', consumerId).execute()
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const row = await findOutboxByCall(t.runtime.db, callId)
        assert.equal(row?.status, 'failed')
        assert.match(row?.lastError ?? '', new RegExp(`^inapp no_device: consumer ${consumerId} has no registered device`))
        assert.equal(fcm.requests.length, 0)
      })
    })

    describe('stale push tokens', () => {
      const devicesOf = async (consumerId: string) => (await listDevices(t.runtime.db, ACCOUNT, consumerId)).map((d) => [d.appId, d.pushToken])

      /** A dispatcher over the same store whose FCM adapters log to `lines`, and may wrap the device directory. */
      function loggingDispatcher(lines: string[], wrap: (devices: PushDevices) => PushDevices = (d) => d): Dispatcher {
        const log = pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => done(void lines.push(...String(chunk).split('\n').filter(Boolean))) }))
        const adapters = new AdapterRegistry(t.runtime.db, t.runtime.secrets, t.clock, {
          twilio: () => assert.fail('no Twilio connection in this suite'),
          whatsapp: () => assert.fail('no WhatsApp connection in this suite'),
          fcm: (accountId, connection) => new FcmPushAdapter(connection, t.config, wrap(pushDevices(t.runtime.db, accountId, log))),
        })
        return new Dispatcher(t.runtime.db, t.clock, adapters, log, DEFAULT_DISPATCHER_OPTIONS, (claim, failed, reason, now) => fallBack(t.runtime, claim, failed, reason, now))
      }

      test('UNREGISTERED: the stale device is removed, and a later invite pushes to the other device only', async () => {
        const { consumerId, tokens } = await consumerWithDevices([IOS_APP, ANDROID_APP])
        fcm.unregister(tokens[0]!)
        const first = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, first.callId))?.status, 'sent')
        assert.deepEqual(await devicesOf(consumerId), [[ANDROID_APP, tokens[1]]])

        // The fake would now accept the old token again: only our side can keep it from being pushed to.
        fcm.reset()
        const second = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, second.callId))?.status, 'sent')
        assert.deepEqual(fcm.requests.map((r) => r.body.message.token), [tokens[1]])
      })

      test('UNREGISTERED on the only device: removed, the message fails, and the consumer is no longer offered in-app', async () => {
        const { consumerId, tokens } = await consumerWithDevices()
        fcm.unregister(tokens[0]!)
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'failed')
        assert.deepEqual(await devicesOf(consumerId), [])

        fcm.reset()
        const eligibility = await brand.eligibility(`+1425955${nextPhone++}`, handoffId, { consumerId })
        assert.equal(eligibility.statusCode, 200, eligibility.body)
        assert.ok(!json(eligibility).availableChannels.includes('inapp'), eligibility.body)
        assert.equal(fcm.requests.length, 0)
      })

      test('INVALID_ARGUMENT about the token removes the device', async () => {
        for (const answer of [{ error: 'INVALID_ARGUMENT' }] as const) {
          const { consumerId, tokens } = await consumerWithDevices([IOS_APP, ANDROID_APP])
          fcm.next(answer)
          await invite(consumerId)
          assert.equal(await t.app.dispatcher.runOnce(), 1)
          assert.deepEqual(await devicesOf(consumerId), [[ANDROID_APP, tokens[1]]], JSON.stringify(answer))
        }
      })

      test('a refusal that says nothing about the token keeps the device', async () => {
        const answers = [
          { invalidField: 'message.data', description: 'Message is too big' },
          { error: 'SENDER_ID_MISMATCH' },
          { error: 'THIRD_PARTY_AUTH_ERROR' },
          // A 404 without FCM's UNREGISTERED detail may be a wrong project or URL: no device is removed on that.
          { error: 'UNREGISTERED', withoutFcmDetail: true },
          { error: 'UNAVAILABLE' },
          { error: 'INTERNAL' },
          { error: 'QUOTA_EXCEEDED' },
        ] as const
        for (const answer of answers) {
          const { consumerId, tokens } = await consumerWithDevices()
          fcm.next(answer)
          const { callId } = await invite(consumerId)
          assert.equal(await t.app.dispatcher.runOnce(), 1)
          assert.notEqual((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent', JSON.stringify(answer))
          assert.deepEqual(await devicesOf(consumerId), [[IOS_APP, tokens[0]]], JSON.stringify(answer))
          await t.runtime.db.deleteFrom('outbox').where('call_id', '=', callId).execute()
        }
      })

      test('the removal is logged with the consumer, app and FCM\'s reason, never the token', async () => {
        const lines: string[] = []
        const dispatcher = loggingDispatcher(lines)
        const { consumerId, tokens } = await consumerWithDevices()
        fcm.unregister(tokens[0]!)
        await invite(consumerId)
        assert.equal(await dispatcher.runOnce(), 1)
        const removal = lines.map((line) => JSON.parse(line)).filter((entry) => /device removed/.test(entry.msg))
        assert.equal(removal.length, 1, lines.join('\n'))
        assert.equal(removal[0].level, 40)
        assert.deepEqual(
          { accountId: removal[0].accountId, consumerId: removal[0].consumerId, appId: removal[0].appId, platform: removal[0].platform, reason: removal[0].reason, removed: removal[0].removed },
          { accountId: ACCOUNT, consumerId, appId: IOS_APP, platform: 'ios', reason: 'UNREGISTERED', removed: true },
        )
        assert.ok(!lines.join('\n').includes(tokens[0]!), 'the token is not logged')
      })

      test('a device registered again while its push was refused is kept', async () => {
        const lines: string[] = []
        const { consumerId, tokens } = await consumerWithDevices()
        const dispatcher = loggingDispatcher(lines, (devices) => ({
          of: (id, appIds) => devices.of(id, appIds),
          async forget(device, reason) {
            t.clock.advance(1000)
            const again = await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/consumers/${consumerId}/devices`, { appId: IOS_APP, platform: 'ios', pushToken: tokens[0] })
            assert.equal(again.statusCode, 201, again.body)
            await devices.forget(device, reason)
          },
        }))
        fcm.unregister(tokens[0]!)
        await invite(consumerId)
        assert.equal(await dispatcher.runOnce(), 1)
        assert.deepEqual(await devicesOf(consumerId), [[IOS_APP, tokens[0]]])
        assert.ok(lines.some((line) => JSON.parse(line).removed === false), lines.join('\n'))
      })
    })

    describe('in-app delivery receipts', () => {
      /** The key the brand's mobile app holds: no management privilege, used through its app JWT. */
      let mobileKey: IssuedApiKey
      let strangerMobileKey: IssuedApiKey

      before(async () => {
        mobileKey = await createApiKey(t.runtime, { accountId: ACCOUNT, appName: 'Acme mobile app', developer: 'Acme', privileges: ['ivr-engagement'] })
        strangerMobileKey = await createApiKey(t.runtime, { accountId: STRANGER, appName: 'Stranger mobile app', developer: 'Stranger', privileges: ['ivr-engagement'] })
      })

      async function appJwt(account = ACCOUNT, apiKey = mobileKey): Promise<string> {
        const res = await t.app.inject({ method: 'POST', url: `/api/account/${account}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: apiKey.appKey, client_secret: apiKey.secret } })
        assert.equal(res.statusCode, 200, res.body)
        return json(res).access_token
      }

      /** The app's receipt, as the app posts it with its app JWT. */
      async function receipt(messageId: string, body: unknown, options: { account?: string; token?: string; contentType?: string } = {}): Promise<LightMyRequestResponse> {
        const account = options.account ?? ACCOUNT
        return t.app.inject({
          method: 'POST',
          url: `/api/account/${account}/inapp/messages/${messageId}/status`,
          headers: { authorization: `Bearer ${options.token ?? (await appJwt(account, account === STRANGER ? strangerMobileKey : mobileKey))}`, 'content-type': options.contentType ?? 'application/json' },
          payload: typeof body === 'string' ? body : JSON.stringify(body),
        })
      }

      function assertAcknowledged(res: LightMyRequestResponse): void {
        assert.equal(res.statusCode, 204, res.body)
        assert.equal(res.body, '')
      }

      function assertNotFound(res: LightMyRequestResponse, detail?: string): void {
        assert.equal(res.statusCode, 404, res.body)
        assert.deepEqual(json(res), { errorCode: 1004, errorMessage: 'Not Found', ...(detail ? { detail } : {}) })
      }

      async function deliveryStatus(callId: string): Promise<string | undefined> {
        const deliveries = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.equal(deliveries.length, 1)
        return deliveries[0]?.status
      }

      const receiptEvents = async (messageId: string) =>
        (await t.runtime.db.selectFrom('delivery_status_events').select('status').where('provider', '=', 'app').where('provider_message_id', '=', messageId).orderBy('status').execute()).map((r) => r.status)

      /** Eligibility → invite → one push; the messageId the device received in the push's data payload. */
      async function pushed(): Promise<{ callId: string; messageId: string }> {
        const { consumerId, tokens } = await consumerWithDevices()
        const { callId, messageId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const push = pushesTo(tokens[0]!)[0]
        assert.ok(push?.name, 'FCM accepted the push')
        assert.equal(push.body.message.data.messageId, messageId, 'the push carries our message id')
        assert.equal(await deliveryStatus(callId), 'sent')
        return { callId, messageId: push.body.message.data.messageId }
      }

      test('eligibility → invite → push → the app reports delivered, then read, with its app JWT', async () => {
        const { callId, messageId } = await pushed()
        assertAcknowledged(await receipt(messageId, { status: 'delivered' }))
        assert.equal(await deliveryStatus(callId), 'delivered')
        assertAcknowledged(await receipt(messageId, { status: 'read' }))
        assert.equal(await deliveryStatus(callId), 'read')
        assert.deepEqual(await receiptEvents(messageId), ['delivered', 'read'])
        const [delivery] = await listDeliveriesOfCall(t.runtime.db, callId)
        assert.equal(delivery?.provider, 'fcm', 'the delivery is still FCM\'s, under FCM\'s message name')
        assert.equal(delivery?.updatedAt, t.clock.now().toISOString())
      })

      test('delivered after read does not move the message back', async () => {
        const { callId, messageId } = await pushed()
        assertAcknowledged(await receipt(messageId, { status: 'read' }))
        assertAcknowledged(await receipt(messageId, { status: 'delivered' }))
        assert.equal(await deliveryStatus(callId), 'read')
        assert.deepEqual(await receiptEvents(messageId), ['delivered', 'read'])
      })

      test('a repeated receipt is acknowledged and counted once', async () => {
        const { callId, messageId } = await pushed()
        for (let i = 0; i < 3; i++) assertAcknowledged(await receipt(messageId, { status: 'delivered' }))
        assert.equal(await deliveryStatus(callId), 'delivered')
        assert.deepEqual(await receiptEvents(messageId), ['delivered'])
      })

      test('the brand\'s backend may report with a management key', async () => {
        const { callId, messageId } = await pushed()
        assertAcknowledged(await signedRequest(t, key, 'POST', `/api/account/${ACCOUNT}/inapp/messages/${messageId}/status`, { status: 'read' }))
        assert.equal(await deliveryStatus(callId), 'read')
      })

      test('another brand\'s app: 403 on this brand\'s path, 404 for this brand\'s message on its own path', async () => {
        const { callId, messageId } = await pushed()
        const strangerToken = await appJwt(STRANGER, strangerMobileKey)
        const onOurs = await receipt(messageId, { status: 'read' }, { token: strangerToken })
        assert.equal(onOurs.statusCode, 403, onOurs.body)
        assert.deepEqual(json(onOurs), { errorCode: 1101, errorMessage: 'Not enough privilege to perform this operation' })
        assertNotFound(await receipt(messageId, { status: 'read' }, { account: STRANGER, token: strangerToken }))
        assertNotFound(await signedRequest(t, stranger.key, 'POST', `/api/account/${STRANGER}/inapp/messages/${messageId}/status`, { status: 'read' }))
        assert.equal(await deliveryStatus(callId), 'sent')
        assert.deepEqual(await receiptEvents(messageId), [])
      })

      test('an unknown message id is 404, whatever its shape', async () => {
        for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-message', encodeURIComponent('ümlaut message'), 'x'.repeat(255)]) {
          assertNotFound(await receipt(id, { status: 'delivered' }))
        }
        assert.deepEqual(await t.runtime.db.selectFrom('delivery_status_events').select('status').where('provider', '=', 'app').where('provider_message_id', '=', 'not-a-message').execute(), [])
      })

      test('a message sent on another channel is 404', async () => {
        const message: OutboundMessage = { id: randomUUID(), accountId: ACCOUNT, kind: 'invitation', callId: randomUUID(), channel: 'sms', to: '+14259559999', from: '+18005550100', text: 'Hi by SMS', skill: 'support', lookbackMinutes: 120 }
        await enqueue(t.runtime.db, message, t.clock.now().toISOString())
        assert.equal(await t.app.dispatcher.runOnce(), 1, 'the sandbox carries it')
        assert.equal((await findOutboxByCall(t.runtime.db, message.callId!))?.status, 'sent')
        assertNotFound(await receipt(message.id, { status: 'delivered' }), 'this message was not sent in-app')
        assert.deepEqual((await listDeliveriesOfCall(t.runtime.db, message.callId!)).map((d) => [d.channel, d.status]), [['sms', 'delivered']])
      })

      test('a receipt for a message not pushed yet is kept, and counts once the push is recorded', async () => {
        const { consumerId } = await consumerWithDevices()
        const { callId, messageId } = await invite(consumerId)
        assertAcknowledged(await receipt(messageId, { status: 'delivered' }))
        assertAcknowledged(await receipt(messageId, { status: 'delivered' }))
        assert.deepEqual(await listDeliveriesOfCall(t.runtime.db, callId), [])
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal(await deliveryStatus(callId), 'delivered')
        assertAcknowledged(await receipt(messageId, { status: 'read' }))
        assert.equal(await deliveryStatus(callId), 'read')
        assert.deepEqual(await receiptEvents(messageId), ['delivered', 'read'])
      })

      test('a receipt that beats our record of the push (FCM accepted it, the app was quicker than our transaction) counts', async () => {
        const adapters = new AdapterRegistry(t.runtime.db, t.runtime.secrets, t.clock, {
          twilio: () => assert.fail('no Twilio connection in this suite'),
          whatsapp: () => assert.fail('no WhatsApp connection in this suite'),
          fcm: (accountId, connection) => {
            const real = new FcmPushAdapter(connection, t.config, pushDevices(t.runtime.db, accountId, pino({ level: 'silent' })))
            return {
              provider: real.provider,
              async send(message) {
                const sent = await real.send(message)
                const push = fcm.requests.at(-1)
                assertAcknowledged(await receipt(push?.body.message.data.messageId, { status: 'read' }))
                return sent
              },
            }
          },
        })
        const dispatcher = new Dispatcher(t.runtime.db, t.clock, adapters, pino({ level: 'silent' }), DEFAULT_DISPATCHER_OPTIONS)
        const { consumerId } = await consumerWithDevices()
        const { callId, messageId } = await invite(consumerId)
        assert.equal(await dispatcher.runOnce(), 1)
        assert.equal(await deliveryStatus(callId), 'read')
        assertAcknowledged(await receipt(messageId, { status: 'delivered' }))
        assert.equal(await deliveryStatus(callId), 'read')
      })

      test('a body that is not a receipt → 400 1000 (or 415), the message unchanged', async () => {
        const { callId, messageId } = await pushed()
        assertInvalid(await receipt(messageId, {}), ['status'])
        assertInvalid(await receipt(messageId, { status: 'sent' }), ['status'])
        assertInvalid(await receipt(messageId, { status: 'failed' }), ['status'])
        assertInvalid(await receipt(messageId, { status: 'READ' }), ['status'])
        assertInvalid(await receipt(messageId, { status: 1 }), ['status'])
        assertInvalid(await receipt(messageId, { status: 'read', at: '2026-11-21T12:00:00Z' }), ['at'])
        for (const body of ['[]', '"read"', 'null', '{"status": "read"', '', '{"status": "re\\u0000ad"}']) {
          const res = await receipt(messageId, body)
          assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`)
          assert.equal(json(res).errorCode, 1000, body)
        }
        const form = await receipt(messageId, 'status=read', { contentType: 'application/x-www-form-urlencoded' })
        assert.equal(form.statusCode, 415, form.body)
        assert.equal(json(form).errorCode, 1015)
        assert.equal(await deliveryStatus(callId), 'sent')
        assert.deepEqual(await receiptEvents(messageId), [])
      })

      test('a message id that cannot be one → 400 1000, never a 500', async () => {
        const token = await appJwt()
        for (const id of ['x'.repeat(256), '%00', 'a%00b', '%E0%A4%A', '%FF%FE']) {
          const res = await receipt(id, { status: 'read' }, { token })
          assert.ok(res.statusCode === 400 || res.statusCode === 404, `${id}: ${res.statusCode} ${res.body}`)
          assert.ok([1000, 1004].includes(json(res).errorCode), `${id}: ${res.body}`)
        }
      })

      test('without credentials, or with a key that may not manage the brand: 401, 403', async () => {
        const { callId, messageId } = await pushed()
        const url = `/api/account/${ACCOUNT}/inapp/messages/${messageId}/status`
        const anonymous = await t.app.inject({ method: 'POST', url, payload: { status: 'read' } })
        assert.equal(anonymous.statusCode, 401, anonymous.body)
        assert.deepEqual(json(anonymous), { errorCode: 1100, errorMessage: 'Invalid Bearer token' })
        const forged = await receipt(messageId, { status: 'read' }, { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' })
        assert.equal(forged.statusCode, 401, forged.body)
        // The mobile app's key signing OAuth itself is not the app: only its app JWT, or a management key, reports.
        const oauthWithoutManagement = await signedRequest(t, mobileKey, 'POST', url, { status: 'read' })
        assert.equal(oauthWithoutManagement.statusCode, 403, oauthWithoutManagement.body)
        assert.equal(await deliveryStatus(callId), 'sent')
      })

      test('the route is in the OpenAPI document, with its body and answers', async () => {
        const doc = json(await t.app.inject({ method: 'GET', url: '/api/api-docs/json' }))
        const operation = doc.paths['/api/account/{accountId}/inapp/messages/{messageId}/status']?.post
        assert.ok(operation, 'documented')
        const schema = operation.requestBody.content['application/json'].schema
        assert.deepEqual(schema.required, ['status'])
        assert.equal(schema.additionalProperties, false)
        assert.deepEqual(schema.properties.status.enum, ['delivered', 'read'])
        assert.deepEqual(Object.keys(operation.responses).sort(), ['204', '400', '401', '403', '404', '405', '415', '500', '503'])
        assert.deepEqual(operation.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort(), ['path:accountId', 'path:messageId'])
      })
    })

    describe('disconnecting', () => {
      test('after DELETE, in-app stays live and is not offered (nothing goes to the simulator) until switched back to sandbox', async () => {
        const { consumerId } = await consumerWithDevices()
        const invitedBefore = await invite(consumerId)
        assert.equal((await signedRequest(t, key, 'DELETE', `/api/account/${ACCOUNT}/channels/fcm`)).statusCode, 204)
        assert.equal((await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/channels/fcm`)).statusCode, 404)
        assert.equal((await signedRequest(t, key, 'DELETE', `/api/account/${ACCOUNT}/channels/fcm`)).statusCode, 404)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        const failed = await findOutboxByCall(t.runtime.db, invitedBefore.callId)
        assert.equal(failed?.status, 'failed')
        assert.match(failed?.lastError ?? '', /^inapp no-connection: /)
        const refused = await brand.eligibility(`+1425955${nextPhone++}`, handoffId, { consumerId })
        assert.deepEqual(json(refused).availableChannels, [], refused.body)
        assert.deepEqual(await sandboxInbox(consumerId), [])

        assert.equal((await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channel-modes/inapp`, { mode: 'sandbox' })).statusCode, 200)
        const { callId } = await invite(consumerId)
        assert.equal(await t.app.dispatcher.runOnce(), 1)
        assert.equal((await findOutboxByCall(t.runtime.db, callId))?.status, 'sent')
        const inbox = (await sandboxInbox(consumerId)) as Array<{ channel: string; text: string; appId: string }>
        assert.deepEqual(inbox.map((m) => [m.channel, m.text, m.appId]), [['inapp', MESSAGE, IOS_APP]])
        assert.equal(fcm.requests.length, 0)
        assert.equal(oauth.requests.length, 0)
      })
    })
  })
}
