import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { dialects, json, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { findOutboxByCall } from '../../src/delivery/outbox.repository.ts'

const A = '4001'
const B = '4002'
const NOT_ENOUGH_PRIVILEGE = { errorCode: 1101, errorMessage: 'Not enough privilege to perform this operation' }
const NOT_FOUND = { errorCode: 1004, errorMessage: 'Not Found' }

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

const SMS_NUMBER = '+18005550100'
/** Authorization comes before any lookup: the id need not exist. */
const SOME_USER = '00000000-0000-4000-8000-000000000000'
const SPARE_NUMBER = '+18005550101'
const WA_NUMBER = '+18005550102'
/** Conversation routes are refused to B before any lookup: the id need not exist. */
const SOME_CONVERSATION = '00000000-0000-4000-8000-000000000001'

function templateBody(name: string) {
  return { name, category: 'UTILITY', language: 'en_US', wabaId: '102290129340398', phoneNumber: WA_NUMBER, body: `Thanks for calling (${name}). Reply here.` }
}

function handoffBody(title: string, fromNumber: string) {
  return { title, lookbackMinutes: 120, channels: ['sms' as const], sms: { fromNumber, message: `Hello from ${title}` } }
}

for (const dialect of dialects) {
  describe(`tenant isolation (${dialect.name})`, () => {
    let t: TestApp
    let keyA: IssuedApiKey
    let keyB: IssuedApiKey
    let tokenB: string
    let handoffA: string
    let handoffB: string
    /** A message of A's (by SMS, so a receipt for it is the documented 404 of a served route). */
    let messageA: string
    /** A's invited call. */
    let callA: string

    const asA = (method: Method, path: string, payload?: unknown) => signedRequest(t, keyA, method, `/api/account/${A}${path}`, payload)

    /** Everything brand A has, read with A's own key. */
    async function snapshotOfA() {
      const paths = ['/settings', '/skills', '/phone-numbers', '/apps', '/handoffs', `/handoffs/${handoffA}`, '/whatsapp-templates']
      const snapshot: Record<string, unknown> = {}
      for (const path of paths) {
        const res = await asA('GET', path)
        assert.equal(res.statusCode, 200, `${path}: ${res.body}`)
        snapshot[path] = json(res)
      }
      return snapshot
    }

    before(async () => {
      t = await startApp(dialect)
      const brandA = await brandFixture(t, A, {
        privileges: ['ivr-engagement', 'management', 'conversations'],
        skills: ['sales', 'support', 'spare-skill'],
        settings: { channels: [{ name: 'sms', enabled: true }, { name: 'wa', enabled: false }], deviceCheck: false, routing: { skills: ['sales', 'support'], defaultSkill: 'support' } },
        numbers: [
          { number: SMS_NUMBER, channel: 'sms' },
          { number: SPARE_NUMBER, channel: 'sms' },
          { number: WA_NUMBER, channel: 'wa' },
        ],
        apps: [{ appId: 'com.brand-a.ios', platform: 'ios', name: 'Brand A iOS' }],
        handoffs: { support: handoffBody('Brand A support line', SMS_NUMBER) },
      })
      keyA = brandA.key
      handoffA = brandA.handoffs.support
      // Drafts, never submitted.
      for (const name of ['a_draft', 'a_spare']) await brandA.call('POST', 'whatsapp-templates', templateBody(name), 201)
      callA = await brandA.invited('+14259549856', handoffA)
      messageA = (await findOutboxByCall(t.runtime.db, callA))!.id

      // B has a catalogue of its own, so its listings are not trivially empty.
      const brandB = await brandFixture(t, B, {
        skills: ['b-only'],
        numbers: [{ number: '+18005550199', channel: 'sms' }],
        apps: [{ appId: 'com.brand-b.android', platform: 'android', name: 'Brand B Android' }],
        handoffs: { line: handoffBody('Brand B line', '+18005550199') },
      })
      keyB = brandB.key
      handoffB = brandB.handoffs.line

      const token = await t.app.inject({ method: 'POST', url: `/api/account/${B}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: keyB.appKey, client_secret: keyB.secret } })
      tokenB = json(token).access_token
      assert.equal(typeof tokenB, 'string')
    })
    after(() => t.close())

    // Every route of the configuration API (as documented, then as called), each with a body that A itself could send successfully.
    const documentedRoutes = (): Array<[Method, string, string, unknown?]> => [
      ['POST', '/eligibility', '/eligibility?v=2.0', { consumerPhoneNumber: '+14259549855', handoffId: handoffA, skill: 'sales' }],
      ['POST', '/invite', '/invite?v=2.0', { callId: '00000000-0000-4000-8000-000000000000' }],
      ['GET', '/calls/{callId}', `/calls/${callA}`],
      ['POST', '/consumers/{consumerId}/devices', '/consumers/jane/devices', { appId: 'com.brand-a.ios', platform: 'ios', pushToken: 'token-of-jane' }],
      ['POST', '/inapp/messages/{messageId}/status', `/inapp/messages/${messageA}/status`, { status: 'read' }],
      ['POST', '/consumer-tokens', '/consumer-tokens', { consumerId: 'jane' }],
      ['GET', '/sandbox/messages', '/sandbox/messages'],
      ['POST', '/sandbox/ivr-call', '/sandbox/ivr-call', { consumerPhoneNumber: '+14259549857', handoffId: handoffA, skill: 'sales' }],
      ['GET', '/session', '/session'],
      ['POST', '/logout', '/logout', { everywhere: true }],
      ['POST', '/users/me/password', '/users/me/password', { currentPassword: 'x', newPassword: 'planted by b 12' }],
      ['POST', '/users/me/welcomed', '/users/me/welcomed'],
      ['GET', '/users', '/users'],
      ['POST', '/users', '/users', { login: 'planted-by-b', role: 'admin', password: 'planted by b 12' }],
      ['GET', '/users/{userId}', `/users/${SOME_USER}`],
      ['PATCH', '/users/{userId}', `/users/${SOME_USER}`, { role: 'agent' }],
      ['POST', '/users/{userId}/password', `/users/${SOME_USER}/password`, { password: 'planted by b 12' }],
      ['POST', '/sandbox/inbound', '/sandbox/inbound', { channel: 'sms', from: '+14259549855', to: SMS_NUMBER, text: 'hello' }],
      ['PUT', '/channels/twilio', '/channels/twilio', { accountSid: 'AC' + '0'.repeat(32), authToken: 'twilio-token-of-a' }],
      ['GET', '/channels/twilio', '/channels/twilio'],
      ['GET', '/channels', '/channels'],
      ['DELETE', '/channels/twilio', '/channels/twilio'],
      ['PUT', '/channels/whatsapp', '/channels/whatsapp', { phoneNumberId: '100', wabaId: '200', accessToken: 'wa-token-of-a', appSecret: 'app-secret-of-a', verifyToken: 'verify-of-a' }],
      ['GET', '/channels/whatsapp', '/channels/whatsapp'],
      ['DELETE', '/channels/whatsapp', '/channels/whatsapp'],
      ['PUT', '/channels/fcm', '/channels/fcm', { projectId: 'brand-a-push', serviceAccount: { type: 'service_account', project_id: 'brand-a-push', private_key_id: 'key-of-a', private_key: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n', client_email: 'push@brand-a-push.iam.gserviceaccount.com' } }],
      ['GET', '/channels/fcm', '/channels/fcm'],
      ['DELETE', '/channels/fcm', '/channels/fcm'],
      ['GET', '/settings', '/settings'],
      ['GET', '/channel-modes', '/channel-modes'],
      // After DELETE /channels/whatsapp above, wa is live without a connection: back to the sandbox, which reviews the template submitted below.
      ['PUT', '/channel-modes/{channel}', '/channel-modes/wa', { mode: 'sandbox' }],
      ['PUT', '/settings', '/settings', { channels: [{ name: 'inapp', enabled: true }], deviceCheck: true, routing: { skills: [] } }],
      ['GET', '/skills', '/skills'],
      ['POST', '/skills', '/skills', { name: 'planted-by-b' }],
      ['DELETE', '/skills/{name}', '/skills/spare-skill'],
      ['GET', '/phone-numbers', '/phone-numbers'],
      ['POST', '/phone-numbers', '/phone-numbers', { number: '+18005550177', channel: 'wa' }],
      ['DELETE', '/phone-numbers/{number}', `/phone-numbers/${encodeURIComponent(SPARE_NUMBER)}`],
      ['GET', '/apps', '/apps'],
      ['POST', '/apps', '/apps', { appId: 'com.planted.by.b', platform: 'android', name: 'Planted' }],
      ['DELETE', '/apps/{appId}', '/apps/com.brand-a.ios'],
      ['GET', '/handoffs', '/handoffs'],
      ['POST', '/handoffs', '/handoffs', handoffBody('Planted by B', SMS_NUMBER)],
      ['GET', '/handoffs/{handoffId}', `/handoffs/${handoffA}`],
      ['PUT', '/handoffs/{handoffId}', `/handoffs/${handoffA}`, handoffBody('Renamed by B', SMS_NUMBER)],
      ['DELETE', '/handoffs/{handoffId}', `/handoffs/${handoffA}`],
      ['GET', '/whatsapp-templates', '/whatsapp-templates'],
      ['POST', '/whatsapp-templates', '/whatsapp-templates', templateBody('planted_by_b')],
      ['GET', '/whatsapp-templates/{name}', '/whatsapp-templates/a_draft'],
      ['PUT', '/whatsapp-templates/{name}', '/whatsapp-templates/a_draft', templateBody('a_draft')],
      ['DELETE', '/whatsapp-templates/{name}', '/whatsapp-templates/a_spare'],
      ['POST', '/whatsapp-templates/{name}/submit', '/whatsapp-templates/a_draft/submit'],
      ['POST', '/whatsapp-templates/{name}/sync', '/whatsapp-templates/a_draft/sync'],
      ['GET', '/conversations', '/conversations'],
      ['GET', '/conversations/{conversationId}', `/conversations/${SOME_CONVERSATION}`],
      ['POST', '/conversations/{conversationId}/accept', `/conversations/${SOME_CONVERSATION}/accept`],
      ['POST', '/conversations/{conversationId}/messages', `/conversations/${SOME_CONVERSATION}/messages`, { text: 'planted by b' }],
      ['POST', '/conversations/{conversationId}/transfer', `/conversations/${SOME_CONVERSATION}/transfer`, { skill: 'sales' }],
      ['POST', '/conversations/{conversationId}/close', `/conversations/${SOME_CONVERSATION}/close`],
      ['PUT', '/agents/me/status', '/agents/me/status', { status: 'online' }],
      ['GET', '/agents', '/agents'],
      ['GET', '/api-keys', '/api-keys'],
      ['POST', '/api-keys', '/api-keys', { appName: 'Planted', developer: 'b', privileges: ['management'] }],
      ['DELETE', '/api-keys/{appKey}', '/api-keys/unknown-key'],
      ['GET', '/conversation-settings', '/conversation-settings'],
      ['PUT', '/conversation-settings', '/conversation-settings', { ringTimeoutSeconds: 30, autoAccept: true }],
      // Made first, so that A's own key reads, rotates and deletes a connector that exists.
      ['PUT', '/desk-connector', '/desk-connector', { url: 'https://desk.example.com/c2m-events', mode: 'instead' }],
      ['GET', '/desk-connector', '/desk-connector'],
      ['POST', '/desk-connector/secret', '/desk-connector/secret'],
      ['DELETE', '/desk-connector', '/desk-connector'],
      ['GET', '/events', '/events'],
    ]
    const routes = (): Array<[Method, string, unknown?]> => documentedRoutes().map(([method, , path, payload]) => [method, path, payload])

    test('the routes checked here are every brand route the service documents (but the token and login endpoints and the consumer routes, tested apart)', async () => {
      const doc = json(await t.app.inject({ method: 'GET', url: '/api/api-docs/json' }))
      const prefix = '/api/account/{accountId}'
      // The consumer routes take a consumer token, never a key: test/consumer-api covers them.
      const byConsumer = (operation: { security?: unknown }) => JSON.stringify(operation.security) === JSON.stringify([{ consumerToken: [] }])
      const served = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown }>>)
        .filter(([path]) => path.startsWith(prefix) && path !== `${prefix}/app-jwt` && path !== `${prefix}/login`)
        .flatMap(([path, operations]) => Object.entries(operations).filter(([, operation]) => !byConsumer(operation)).map(([method]) => `${method.toUpperCase()} ${path.slice(prefix.length)}`))
      const checked = documentedRoutes().map(([method, template]) => `${method} ${template}`)
      assert.deepEqual([...checked].sort(), [...served].sort(), 'a new brand route must be added to the tenant isolation list')
    })

    test('HEAD on A\'s readable routes is refused to B as well', async () => {
      for (const [method, path] of routes()) {
        if (method !== 'GET') continue
        const res = await t.app.inject({ method: 'HEAD', url: `/api/account/${A}${path}`, headers: { authorization: `Bearer ${tokenB}` } })
        assert.equal(res.statusCode, 403, `HEAD ${path}`)
        assert.equal(res.body, '')
      }
    })

    test('B\'s OAuth key gets 403 on every one of A\'s routes, and A\'s data is unchanged', async () => {
      const before = await snapshotOfA()
      for (const [method, path, payload] of routes()) {
        const res = await signedRequest(t, keyB, method, `/api/account/${A}${path}`, payload)
        assert.equal(res.statusCode, 403, `${method} ${path}: ${res.body}`)
        assert.deepEqual(json(res), NOT_ENOUGH_PRIVILEGE, `${method} ${path}`)
      }
      assert.deepEqual(await snapshotOfA(), before)
    })

    test('B\'s app JWT gets 403 on every one of A\'s routes, and A\'s data is unchanged', async () => {
      const before = await snapshotOfA()
      for (const [method, path, payload] of routes()) {
        const options: InjectOptions = { method, url: `/api/account/${A}${path}`, headers: { authorization: `Bearer ${tokenB}` } }
        if (payload !== undefined) options.payload = payload as InjectOptions['payload']
        const res = await t.app.inject(options)
        assert.equal(res.statusCode, 403, `${method} ${path}: ${res.body}`)
        assert.deepEqual(json(res), NOT_ENOUGH_PRIVILEGE, `${method} ${path}`)
      }
      assert.deepEqual(await snapshotOfA(), before)
    })

    test('B\'s listings contain only B\'s data', async () => {
      const asB = (path: string) => signedRequest(t, keyB, 'GET', `/api/account/${B}${path}`)
      assert.deepEqual(json(await asB('/skills')).items.map((s: { name: string }) => s.name), ['b-only'])
      assert.deepEqual(json(await asB('/phone-numbers')).items.map((n: { number: string }) => n.number), ['+18005550199'])
      assert.deepEqual(json(await asB('/apps')).items.map((a: { appId: string }) => a.appId), ['com.brand-b.android'])
      const handoffs = json(await asB('/handoffs'))
      assert.equal(handoffs.total, 1)
      assert.deepEqual(handoffs.items.map((h: { id: string }) => h.id), [handoffB])
      for (const title of ['Brand A', 'support line', 'Planted', 'Renamed']) {
        assert.equal(json(await asB(`/handoffs?title=${encodeURIComponent(title)}`)).total, 0, title)
      }
      // A has settings, B has none: B sees its own absence, not A's settings.
      const settings = await asB('/settings')
      assert.equal(settings.statusCode, 404)
      assert.equal(json(settings).errorCode, 1004)
      for (const res of [await asB('/skills'), await asB('/phone-numbers'), await asB('/apps'), await asB('/handoffs')]) {
        for (const secret of ['sales', 'support', SMS_NUMBER, SPARE_NUMBER, 'com.brand-a.ios', handoffA, 'Brand A']) {
          assert.ok(!res.body.includes(secret), `${secret} leaked in ${res.body}`)
        }
      }
    })

    test('A\'s resources named on B\'s own path are simply not found', async () => {
      const snapshotBefore = await snapshotOfA()
      const asB = (method: Method, path: string, payload?: unknown) => signedRequest(t, keyB, method, `/api/account/${B}${path}`, payload)
      for (const [method, path, payload] of [
        ['GET', `/handoffs/${handoffA}`],
        ['PUT', `/handoffs/${handoffA}`, handoffBody('Taken over', '+18005550199')],
        ['DELETE', `/handoffs/${handoffA}`],
        ['DELETE', '/skills/support'],
        ['DELETE', `/phone-numbers/${encodeURIComponent(SMS_NUMBER)}`],
        ['DELETE', '/apps/com.brand-a.ios'],
        ['GET', '/whatsapp-templates/a_draft'],
        ['PUT', '/whatsapp-templates/a_draft', templateBody('a_draft')],
        ['DELETE', '/whatsapp-templates/a_spare'],
        ['POST', '/whatsapp-templates/a_draft/submit'],
        ['POST', `/inapp/messages/${messageA}/status`, { status: 'read' }],
        ['GET', `/calls/${callA}`],
      ] as Array<[Method, string, unknown?]>) {
        const res = await asB(method, path, payload)
        assert.equal(res.statusCode, 404, `${method} ${path}: ${res.body}`)
        assert.deepEqual(json(res), NOT_FOUND, `${method} ${path}`)
      }
      assert.deepEqual(await snapshotOfA(), snapshotBefore)
    })

    // Last, because it changes A's data: it proves each route above is served, so the 403s are not 404s in disguise.
    test('every route listed is a real route: A\'s own key is served on each of them', async () => {
      for (const [method, path, payload] of routes()) {
        // A stream never ends under inject: test/live/events.test.ts serves it to its brand over real HTTP.
        if (path === '/events') continue
        const res = await asA(method, path, payload)
        // An invite of a call that never existed, and a receipt for A's SMS, are the documented 404s a served route gives here.
        // So are a conversation or user that does not exist; a person's own routes refuse every key, A's too.
        const servedNotFound = res.statusCode === 404 && ['no such call, or it expired', 'this message was not sent in-app', 'no such conversation', 'no such user'].includes(json(res).detail)
        const personOnly = res.statusCode === 403 && ['/session', '/logout', '/users/me/password', '/users/me/welcomed', '/agents/me/status', '/api-keys', '/api-keys/unknown-key'].includes(path)
        assert.ok([200, 201, 204].includes(res.statusCode) || servedNotFound || personOnly, `${method} ${path}: ${res.statusCode} ${res.body}`)
      }
    })
  })
}
