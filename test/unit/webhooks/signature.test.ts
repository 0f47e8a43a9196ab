import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { newWebhookSecret, webhookHeaders, webhookSignature } from '../../../src/webhooks/signature.ts'

// The vector of the Standard Webhooks reference libraries' "sign function works" test
// (libraries/javascript/src/webhook.test.ts, the same in Go, Java, PHP and C#).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}

describe('webhookSignature', () => {
  test('signs the specification\'s vector as its reference libraries do', () => {
    assert.equal(webhookSignature(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body), VECTOR.signature)
  })

  const rows: Array<[string, Partial<typeof VECTOR>]> = [
    ['another id', { id: 'msg_p5jXN8AQM9LWM0D4loKWxJel' }],
    ['another timestamp (a retry)', { timestamp: VECTOR.timestamp + 1 }],
    ['another body', { body: '{"test":2432232314}' }],
    ['another secret', { secret: 'whsec_' + Buffer.alloc(24, 1).toString('base64') }],
  ]
  for (const [name, change] of rows) {
    test(`${name} signs differently`, () => {
      const input = { ...VECTOR, ...change }
      assert.notEqual(webhookSignature(input.secret, input.id, input.timestamp, input.body), VECTOR.signature)
    })
  }

  test('a secret without the whsec_ prefix is refused (nothing stored is shaped so)', () => {
    assert.throws(() => webhookSignature('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', VECTOR.id, VECTOR.timestamp, VECTOR.body))
  })
})

describe('webhookHeaders', () => {
  test('the three headers, the timestamp in whole seconds, verified by the standardwebhooks library', () => {
    const secret = newWebhookSecret()
    const at = new Date()
    const body = JSON.stringify({ type: 'conversation.created', timestamp: at.toISOString(), data: { id: 'c1' } })
    const headers = webhookHeaders(secret, 'msg_1', at, body)
    assert.equal(headers['content-type'], 'application/json')
    assert.equal(headers['webhook-id'], 'msg_1')
    assert.equal(headers['webhook-timestamp'], String(Math.floor(at.getTime() / 1000)))
    assert.match(headers['webhook-signature']!, /^v1,[A-Za-z0-9+/]{43}=$/)
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body))
  })
})

describe('newWebhookSecret', () => {
  test('whsec_ and 32 random bytes in base64, different each time', () => {
    const a = newWebhookSecret()
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/)
    assert.equal(Buffer.from(a.slice(6), 'base64').length, 32)
    assert.notEqual(a, newWebhookSecret())
  })
})
