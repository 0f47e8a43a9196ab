import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError, loadConfig } from '../../../src/config.ts'
import { webhookUrlRefusal } from '../../../src/webhooks/webhook-url.ts'

describe('webhookUrlRefusal', () => {
  const rows: Array<[url: string, trusted: string[], refusal: string | undefined]> = [
    ['https://desk.example.com/c2m', [], undefined],
    ['https://desk.example.com:8443/c2m?tenant=7', [], undefined],
    ['https://93.184.215.14/hook', [], undefined],
    ['http://desk.example.com/c2m', [], 'must use https'],
    ['ftp://desk.example.com/c2m', [], 'must use https'],
    ['ftp://desk.internal/c2m', ['desk.internal'], 'must use https'],
    ['https://u:p@desk.example.com/', [], 'must not carry credentials'],
    ['https://desk.example.com/#x', [], 'must not carry a fragment'],
    ['https://127.0.0.1/', [], '127.0.0.1 is a loopback address'],
    ['https://0x7f.1/', [], '127.0.0.1 is a loopback address'],
    ['https://[::1]/', [], '[::1] is a loopback address'],
    ['https://[::ffff:10.0.0.1]/', [], '[::ffff:a00:1] is a private address'],
    ['https://192.168.1.10/', [], '192.168.1.10 is a private address'],
    ['https://169.254.169.254/', [], '169.254.169.254 is a link-local address'],
    ['https://0.0.0.0/', [], '0.0.0.0 is a unspecified address'],
    // The operator's trusted hosts: as configured, over http and at any address.
    ['http://127.0.0.1:8080/hook', ['127.0.0.1'], undefined],
    ['http://desk.corp.internal/hook', ['*.corp.internal'], undefined],
    ['http://10.0.0.1/hook', ['desk.corp.internal'], 'must use https'],
    ['https://10.0.0.1/hook', ['desk.corp.internal'], '10.0.0.1 is a private address'],
    ['https://127.0.0.2/hook', ['127.0.0.1'], '127.0.0.2 is a loopback address'],
    ['http://user:pw@127.0.0.1/hook', ['127.0.0.1'], 'must not carry credentials'],
  ]
  for (const [url, trusted, refusal] of rows) {
    test(`${url} with [${trusted.join(', ')}] → ${refusal ?? 'allowed'}`, () => assert.equal(webhookUrlRefusal(new URL(url), trusted), refusal))
  }
})

describe('WEBHOOK_URL_ALLOWLIST', () => {
  test('empty by default; host names or *.domain; never * (every address, our own network included)', () => {
    assert.deepEqual(loadConfig({}).webhookUrlAllowlist, [])
    assert.deepEqual(loadConfig({ WEBHOOK_URL_ALLOWLIST: ' Desk.Corp.Internal, *.corp.internal,127.0.0.1' }).webhookUrlAllowlist, ['desk.corp.internal', '*.corp.internal', '127.0.0.1'])
    for (const bad of ['*', 'desk.internal,*', 'http://desk.internal', 'desk.internal:8080']) {
      assert.throws(() => loadConfig({ WEBHOOK_URL_ALLOWLIST: bad }), (error: unknown) => error instanceof ConfigError && /WEBHOOK_URL_ALLOWLIST/.test(error.message), bad)
    }
  })

  test('WEBHOOK_MAX_ATTEMPTS: 10 by default, 1 to 100', () => {
    assert.equal(loadConfig({}).webhookMaxAttempts, 10)
    assert.equal(loadConfig({ WEBHOOK_MAX_ATTEMPTS: '3' }).webhookMaxAttempts, 3)
    for (const bad of ['0', '101', 'ten']) assert.throws(() => loadConfig({ WEBHOOK_MAX_ATTEMPTS: bad }), ConfigError)
  })
})
