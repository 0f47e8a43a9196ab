import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { DeliveryStatus } from '../../../src/channels/channel-adapter.ts'
import type { OutboxStatus } from '../../../src/delivery/outbox.repository.ts'
import { type ConsumerMessageStatus, MAX_CURSOR_LENGTH, consumerMessageStatus, decodeCursor, encodeCursor, inAppMessageKey, windowStart } from '../../../src/consumer-api/consumer-messages.ts'
import { ConsumerTokenIssuer } from '../../../src/consumer-api/consumer-token.ts'
import { AppJwtIssuer } from '../../../src/auth/app-jwt.ts'
import { SecretBox } from '../../../src/lib/secret-box.ts'

describe('consumerMessageStatus', () => {
  const rows: Array<[OutboxStatus, DeliveryStatus[], ConsumerMessageStatus]> = [
    ['pending', [], 'pending'],
    ['sending', [], 'pending'],
    // A retry after a push was accepted elsewhere is still the outbox's to settle.
    ['pending', ['failed'], 'pending'],
    ['failed', [], 'failed'],
    ['sent', [], 'sent'],
    ['sent', ['queued'], 'sent'],
    ['sent', ['sent'], 'sent'],
    ['sent', ['delivered'], 'delivered'],
    ['sent', ['read'], 'read'],
    ['sent', ['sent', 'read'], 'read'],
    ['sent', ['failed', 'delivered'], 'delivered'],
    ['sent', ['failed'], 'failed'],
    ['sent', ['undelivered', 'failed'], 'failed'],
    ['sent', ['undelivered', 'sent'], 'sent'],
  ]
  for (const [outbox, deliveries, expected] of rows) {
    test(`${outbox} with [${deliveries.join(', ')}] → ${expected}`, () => assert.equal(consumerMessageStatus(outbox, deliveries), expected))
  }
})

describe('windowStart', () => {
  test('30 days before now, to the millisecond', () => {
    assert.equal(windowStart(new Date('2026-11-21T12:00:00.000Z')), '2026-10-22T12:00:00.000Z')
  })
})

describe('message cursors', () => {
  const cursor = { createdAt: '2026-11-21T12:00:00.000Z', id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' }

  test('what is encoded decodes to itself, and is URL-safe', () => {
    const text = encodeCursor(cursor)
    assert.match(text, /^[A-Za-z0-9_-]+$/)
    assert.ok(text.length <= MAX_CURSOR_LENGTH)
    assert.deepEqual(decodeCursor(text), cursor)
  })

  const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
  const refused: Array<[string, string]> = [
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['too long', 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
    ['not JSON', b64('hello')],
    ['an object', b64({ createdAt: cursor.createdAt, id: cursor.id })],
    ['one item', b64([cursor.createdAt])],
    ['three items', b64([cursor.createdAt, cursor.id, 'x'])],
    ['a date that is no instant', b64(['yesterday', cursor.id])],
    ['an instant without milliseconds', b64(['2026-11-21T12:00:00Z', cursor.id])],
    ['an impossible date', b64(['2026-13-45T12:00:00.000Z', cursor.id])],
    ['an empty id', b64([cursor.createdAt, ''])],
    ['an id of 256', b64([cursor.createdAt, 'x'.repeat(256)])],
    ['a number id', b64([cursor.createdAt, 7])],
  ]
  for (const [name, text] of refused) test(`refused: ${name}`, () => assert.equal(decodeCursor(text), null))
})

describe('inAppMessageKey', () => {
  test('scoped to brand and consumer', () => {
    assert.equal(inAppMessageKey('8101', 'jane', 'm-1'), '8101/jane/m-1')
    assert.notEqual(inAppMessageKey('8101', 'jane', 'm-1'), inAppMessageKey('8102', 'jane', 'm-1'))
    assert.notEqual(inAppMessageKey('8101', 'jane', 'm-1'), inAppMessageKey('8101', 'john', 'm-1'))
  })

  test('a slash in the consumer id cannot make two pairs collide', () => {
    assert.notEqual(inAppMessageKey('8101', 'a/b', 'c'), inAppMessageKey('8101', 'a', 'b/c'))
  })
})

describe('ConsumerTokenIssuer', () => {
  const box = new SecretBox(Buffer.alloc(32, 7))
  const tokens = new ConsumerTokenIssuer(box.deriveKey('consumer-token'), 900)
  const now = new Date('2026-11-21T12:00:00.000Z')
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000)

  test('verifies its own tokens until they expire', async () => {
    const { token, expiresAt } = await tokens.issue({ accountId: '8101', consumerId: 'jane' }, now, 'jti-1')
    assert.equal(expiresAt.toISOString(), later(900).toISOString())
    assert.deepEqual(await tokens.verify(token, later(899)), { accountId: '8101', consumerId: 'jane' })
    assert.equal(await tokens.verify(token, later(901)), null)
  })

  test('an app JWT is not a consumer token, and a consumer token not an app JWT', async () => {
    const jwt = new AppJwtIssuer(box.deriveKey('app-jwt'), 3600)
    const appToken = (await jwt.issue({ keyId: 'key-1', accountId: '8101' }, now, 'jti-2')).token
    assert.equal(await tokens.verify(appToken, now), null)
    const consumerToken = (await tokens.issue({ accountId: '8101', consumerId: 'jane' }, now, 'jti-3')).token
    assert.equal(await jwt.verify(consumerToken, now), null)
  })

  test('a token under another master key, or not a JWT at all, is refused', async () => {
    const other = new ConsumerTokenIssuer(new SecretBox(Buffer.alloc(32, 8)).deriveKey('consumer-token'), 900)
    const foreign = (await other.issue({ accountId: '8101', consumerId: 'jane' }, now, 'jti-4')).token
    assert.equal(await tokens.verify(foreign, now), null)
    for (const junk of ['', 'x', 'a.b.c', '...', 'eyJhbGciOiJub25lIn0.e30.']) assert.equal(await tokens.verify(junk, now), null, junk)
  })
})
