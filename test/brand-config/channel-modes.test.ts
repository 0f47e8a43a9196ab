import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { brandCall, dialects, json, provisionBrand, signedRequest, startApp, type TestApp } from '../helper.ts'
import { brandFixture } from '../fixtures/brand.ts'
import { insertAccount } from '../../src/accounts/account.repository.ts'
import { listChannelModes } from '../../src/brand-config/channel-mode.repository.ts'
import { openDatabase } from '../../src/store/database.ts'
import { migrateTo, migrateToLatest } from '../../src/store/migrate.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'

for (const dialect of dialects) {
  describe(`channel modes (${dialect.name})`, () => {
    let t: TestApp
    let key: IssuedApiKey
    const ACCOUNT = '7301'
    const modes = async () => json(await signedRequest(t, key, 'GET', `/api/account/${ACCOUNT}/channel-modes`)).items

    before(async () => {
      t = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      key = await provisionBrand(t.runtime, ACCOUNT, ['management', 'ivr-engagement'])
    })
    after(() => t.close())

    test('a new brand starts in sandbox on every channel, deliverable', async () => {
      assert.deepEqual(await modes(), [
        { channel: 'sms', mode: 'sandbox', connected: false, deliverable: true },
        { channel: 'wa', mode: 'sandbox', connected: false, deliverable: true },
        { channel: 'inapp', mode: 'sandbox', connected: false, deliverable: true },
      ])
    })

    test('live needs a connection (409); connecting switches to live; sandbox is always allowed and keeps the connection', async () => {
      const call = brandCall(t, key, ACCOUNT)
      const refused = await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channel-modes/sms`, { mode: 'live' })
      assert.equal(refused.statusCode, 409, refused.body)
      assert.equal(json(refused).errorCode, 1009)
      assert.match(json(refused).detail, /connect twilio/)

      await call('PUT', 'channels/twilio', { accountSid: 'AC' + 'd'.repeat(32), authToken: 'token-7301' }, 200)
      assert.deepEqual((await modes())[0], { channel: 'sms', mode: 'live', connected: true, deliverable: true })
      assert.deepEqual(await call('PUT', 'channel-modes/sms', { mode: 'sandbox' }, 200), { channel: 'sms', mode: 'sandbox', connected: true, deliverable: true })
      assert.deepEqual(await call('PUT', 'channel-modes/sms', { mode: 'live' }, 200), { channel: 'sms', mode: 'live', connected: true, deliverable: true })

      assert.equal((await signedRequest(t, key, 'DELETE', `/api/account/${ACCOUNT}/channels/twilio`)).statusCode, 204)
      assert.deepEqual((await modes())[0], { channel: 'sms', mode: 'live', connected: false, deliverable: false })
    })

    test('a connection deleted between eligibility and invite: the invite refuses that channel (1400) instead of queuing what cannot be delivered; re-saving a connection keeps a deliberate sandbox', async () => {
      const brand = await brandFixture(t, '7303', {
        skills: ['support'],
        numbers: [{ number: '+18005550130', channel: 'sms' }],
        channels: ['sms'],
        connect: { twilio: { accountSid: 'AC' + 'c'.repeat(32), authToken: 'token-7303' } },
        handoffs: { sms: { channels: ['sms'], sms: { fromNumber: '+18005550130', message: 'Hi' } } },
      })
      const { callId } = await brand.eligible('+14259571001', brand.handoffs.sms)
      await brand.call('DELETE', 'channels/twilio', undefined, 204)
      for (const extra of [{}, { overrideChannel: 'sms' }]) {
        const refused = await brand.invite(callId, extra)
        assert.equal(refused.statusCode, 400, refused.body)
        assert.equal(json(refused).errorCode, 1400)
      }
      assert.equal(await t.runtime.db.selectFrom('outbox').select('id').where('call_id', '=', callId).executeTakeFirst(), undefined)

      await brand.call('PUT', 'channels/twilio', { accountSid: 'AC' + 'c'.repeat(32), authToken: 'token-7303' }, 200)
      await brand.call('PUT', 'channel-modes/sms', { mode: 'sandbox' }, 200)
      await brand.call('PUT', 'channels/twilio', { accountSid: 'AC' + 'c'.repeat(32), authToken: 'a-rotated-token', helpText: 'Call 555-0100.' }, 200)
      assert.equal((await brand.call('GET', 'channel-modes', undefined, 200)).items[0].mode, 'sandbox', 'updating the connection did not take sms live again')
    })

    test('a template submitted while WhatsApp is live without its connection is refused (409), not approved by a stand-in sandbox', async () => {
      const brand = await brandFixture(t, '7304', {
        numbers: [{ number: '+18005550131', channel: 'wa' }],
        connect: { whatsapp: { phoneNumberId: '506540352242922', wabaId: '502290129340398', accessToken: 'EAAG-7304', appSecret: 'secret-7304', verifyToken: 'verify-7304' } },
      })
      await brand.call('DELETE', 'channels/whatsapp', undefined, 204)
      const body = { name: 'after_disconnect', category: 'UTILITY', language: 'en_US', wabaId: '502290129340398', phoneNumber: '+18005550131', body: 'Thanks for calling: reply here.' }
      await brand.call('POST', 'whatsapp-templates', body, 201)
      const refused = await brand.request('POST', 'whatsapp-templates/after_disconnect/submit')
      assert.equal(refused.statusCode, 409, refused.body)
      assert.match(json(refused).detail, /WhatsApp is live but not connected/)
      assert.equal((await brand.call('GET', 'whatsapp-templates/after_disconnect', undefined, 200)).status, 'DRAFT')
      // Deliberately in the sandbox, the sandbox reviews it.
      await brand.call('PUT', 'channel-modes/wa', { mode: 'sandbox' }, 200)
      assert.equal((await brand.call('POST', 'whatsapp-templates/after_disconnect/submit', undefined, 200)).status, 'APPROVED')
    })

    test('unknown channels and modes are 400; an IVR-only key is 403', async () => {
      assert.equal((await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channel-modes/fax`, { mode: 'sandbox' })).statusCode, 400)
      assert.equal((await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channel-modes/sms`, { mode: 'simulated' })).statusCode, 400)
      assert.equal((await signedRequest(t, key, 'PUT', `/api/account/${ACCOUNT}/channel-modes/sms`, { mode: 'sandbox', extra: 1 })).statusCode, 400)
      const ivr = await provisionBrand(t.runtime, '7302', ['ivr-engagement'])
      assert.equal((await signedRequest(t, ivr, 'GET', '/api/account/7302/channel-modes')).statusCode, 403)
    })
  })

  describe(`migration 0008 (${dialect.name})`, () => {
    test('a brand with a provider connection is live on that channel after the upgrade; invitations keep their one-per-call guarantee', async () => {
      const store = await dialect.create()
      const db = openDatabase(store.database, { schema: store.schema })
      try {
        await migrateTo(db, '0005-pending-status-events')
        const at = '2026-11-21T12:00:00.000Z'
        await insertAccount(db, { id: '9301', name: 'Brand 9301', zone: 'z1', createdAt: at })
        await db.insertInto('channel_connections').values({ account_id: '9301', provider: 'whatsapp', config: 'sealed', created_at: at, updated_at: at }).execute()
        const row = { account_id: '9301', channel: 'wa', message: '{}', status: 'sent', attempts: 1, available_at: at, lease_until: null, provider_message_id: 'wamid.1', last_error: null, created_at: at, updated_at: at }
        const old = db as unknown as { insertInto(table: string): { values(rows: object): { execute(): Promise<unknown> } } }
        await old.insertInto('outbox').values({ ...row, id: 'msg-1', call_id: 'call-1' }).execute()

        await migrateToLatest(db)
        assert.deepEqual((await listChannelModes(db, '9301')).map((m) => [m.channel, m.mode]), [['sms', 'sandbox'], ['wa', 'live'], ['inapp', 'sandbox']])
        assert.deepEqual(await db.selectFrom('outbox').select(['id', 'kind', 'call_id']).execute(), [{ id: 'msg-1', kind: 'invitation', call_id: 'call-1' }])
        await assert.rejects(db.insertInto('outbox').values({ ...row, id: 'msg-2', kind: 'invitation', call_id: 'call-1' }).execute(), 'a second invitation for the call')
        // Messages that answer a consumer belong to no call, as many as needed.
        for (const id of ['msg-3', 'msg-4']) await db.insertInto('outbox').values({ ...row, id, kind: 'confirmation', call_id: null }).execute()
      } finally {
        await db.destroy()
        await store.drop()
      }
    })
  })
}
