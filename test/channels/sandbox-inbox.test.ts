import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { dialects, json, provisionBrand, signedRequest, startApp, type TestApp } from '../helper.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { insertSandboxMessage } from '../../src/channels/sandbox.repository.ts'

// GET …/sandbox/messages?consumer=…: what the sandbox channel "delivered" to one consumer, as a
// reader of the README asks for it.

const ACCOUNT = '4201'
const CONSUMER = '+14259549855'
const OTHER = '+14259540000'
const APP_USER = 'user-77'

for (const dialect of dialects) {
  describe(`the sandbox inbox (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey
    let token: string

    const delivered = (consumer: string, channel: string) => {
      t.clock.advance(1000)
      return insertSandboxMessage(t.runtime.db, ACCOUNT, {
        id: crypto.randomUUID(),
        direction: 'outbound',
        channel,
        consumer,
        from: '+18005550100',
        to: consumer,
        text: `hello ${consumer}`,
        status: 'delivered',
        callId: null,
        appId: null,
        createdAt: t.clock.now().toISOString(),
      })
    }

    const consumersOf = (res: { statusCode: number; body: string }) => {
      assert.equal(res.statusCode, 200, res.body)
      return json(res as never).items.map((m: { consumer: string }) => m.consumer)
    }

    before(async () => {
      t = await startApp(dialect)
      key = await provisionBrand(t.runtime, ACCOUNT)
      await delivered(CONSUMER, 'sms')
      await delivered(OTHER, 'sms')
      await delivered(APP_USER, 'inapp')
      const res = await t.app.inject({ method: 'POST', url: `/api/account/${ACCOUNT}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: key.appKey, client_secret: key.secret } })
      token = json(res).access_token
    })
    after(() => t.close())

    const withBearer = (query: string) => t.app.inject({ method: 'GET', url: `/api/account/${ACCOUNT}/sandbox/messages?${query}`, headers: { authorization: `Bearer ${token}` } })

    test('an unencoded + (which a query string decodes as a space) still finds the phone number', async () => {
      assert.deepEqual(consumersOf(await withBearer(`consumer=${CONSUMER}`)), [CONSUMER])
    })

    test('the encoded form finds it too, signed with OAuth as the README shows', async () => {
      assert.deepEqual(consumersOf(await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/sandbox/messages?consumer=${encodeURIComponent(CONSUMER)}`)), [CONSUMER])
    })

    test('a consumer id, and no filter at all, answer as before', async () => {
      assert.deepEqual(consumersOf(await withBearer(`consumer=${APP_USER}`)), [APP_USER])
      assert.deepEqual(consumersOf(await withBearer('consumer=%20abc')), [])
      assert.deepEqual(consumersOf(await withBearer('limit=2')), [CONSUMER, OTHER])
    })
  })
}
