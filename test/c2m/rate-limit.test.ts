import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { once } from 'node:events'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { PUBLIC_ORIGIN, dialects, json, signAt, signedRequest, startApp, startSecondInstance, type TestApp, type TestDialect } from '../helper.ts'
import { brandFixture, type BrandFixture } from '../fixtures/brand.ts'
import { createApiKey } from '../../src/accounts/provisioning.service.ts'

// The C2M budget: RATE_LIMIT requests per brand per endpoint per RATE_LIMIT_WINDOW seconds.
//
// The limiter counts wall-clock time (rate-limiter-flexible does not take the test clock), so
// with the production window of 1 s, "31 requests in one window" would depend on the machine's
// speed: a slow run could see the window roll over between the 30th and 31st request and get no
// 429 at all. These suites keep the production budget of 30 but stretch the window to 60 s
// (RATE_LIMIT=30, RATE_LIMIT_WINDOW=60), so all 31 requests fall in one window whatever the
// machine; that the default configuration is 30 per 1 s is asserted from its advertised policy.
const ENV = { DELIVERY_WORKER: 'false', RATE_LIMIT: '30', RATE_LIMIT_WINDOW: '60' }
const RATE_LIMIT_HIT = { errorCode: 1029, errorMessage: 'Rate limit hit' }
const SMS_NUMBER = '+18005550101'
const PHONE = '+14259549855'

type Brand = BrandFixture<'sms'>

/** A brand whose eligibility answers 200: an SMS handoff, the skill support, sms enabled. */
const setUpBrand = (t: TestApp, account: string): Promise<Brand> =>
  brandFixture(t, account, {
    skills: ['support'],
    numbers: [{ number: SMS_NUMBER, channel: 'sms' }],
    channels: ['sms'],
    handoffs: { sms: { title: 'SMS', lookbackMinutes: 60, channels: ['sms'], sms: { fromNumber: SMS_NUMBER, message: 'Hi {{1}}' } } },
  })

const eligibilityPath = (brand: Brand) => `/api/account/${brand.account}/eligibility?v=2.0`
const eligibilityBody = (brand: Brand) => ({ consumerPhoneNumber: PHONE, handoffId: brand.handoffs.sms, skill: 'support' })

function eligibility(t: TestApp, brand: Brand, key = brand.key): Promise<LightMyRequestResponse> {
  return signedRequest(t, key, 'POST', eligibilityPath(brand), eligibilityBody(brand))
}

function invite(t: TestApp, brand: Brand, callId: string): Promise<LightMyRequestResponse> {
  return signedRequest(t, brand.key, 'POST', `/api/account/${brand.account}/invite?v=2.0`, { callId })
}

/** The `remaining` of a RateLimit header such as `limit=30, remaining=29, reset=60`. */
function remaining(res: LightMyRequestResponse): number {
  const header = String(res.headers['ratelimit'])
  const match = /^limit=(\d+), remaining=(\d+), reset=(\d+)$/.exec(header)
  assert.ok(match, `RateLimit header: ${header}`)
  return Number(match[2])
}

function assertRateLimited(res: LightMyRequestResponse, windowSeconds: number): void {
  assert.equal(res.statusCode, 429, res.body)
  assert.deepEqual(json(res), RATE_LIMIT_HIT)
  const retryAfter = Number(res.headers['retry-after'])
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds, `Retry-After: ${res.headers['retry-after']}`)
  assert.equal(remaining(res), 0)
}

const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode)
const count = (responses: LightMyRequestResponse[], status: number) => responses.filter((r) => r.statusCode === status).length

/** A site id no other run uses, so Redis keys of parallel or earlier runs never collide. */
const uniqueAccount = () => `9${randomInt(1e9, 1e10 - 1)}${randomInt(1e5, 1e6 - 1)}`

function suite(dialect: TestDialect): void {
  describe(`rate limit (${dialect.name})`, () => {
    let t: TestApp
    let next = 6100
    const brand = () => setUpBrand(t, String(next++))

    before(async () => {
      t = await startApp(dialect, ENV)
    })
    after(() => t?.close())

    test('the default configuration advertises 30 requests per 1 s window', async () => {
      const defaults = await startApp(dialect, { DELIVERY_WORKER: 'false' })
      try {
        const b = await setUpBrand(defaults, '6001')
        const res = await eligibility(defaults, b)
        assert.equal(res.statusCode, 200, res.body)
        assert.equal(res.headers['ratelimit-policy'], '30;w=1')
        assert.equal(remaining(res), 29)
      } finally {
        await defaults.close()
      }
    })

    test('31 eligibility requests in one window: 30 answered with a decreasing remaining, then one 429 1029 with Retry-After', async () => {
      const b = await brand()
      const responses: LightMyRequestResponse[] = []
      for (let i = 0; i < 31; i++) responses.push(await eligibility(t, b))
      assert.deepEqual(statuses(responses), [...Array(30).fill(200), 429])
      responses.slice(0, 30).forEach((res, i) => {
        assert.equal(res.headers['ratelimit-policy'], '30;w=60')
        assert.equal(remaining(res), 29 - i, `remaining after request ${i + 1}`)
        assert.equal(res.headers['retry-after'], undefined, 'Retry-After only on a refusal')
      })
      assertRateLimited(responses[30]!, 60)
      assert.equal(responses[30]!.headers['ratelimit-policy'], '30;w=60')
    })

    test('31 concurrent eligibility requests: exactly one 429', async () => {
      const b = await brand()
      const responses = await Promise.all(Array.from({ length: 31 }, () => eligibility(t, b)))
      assert.equal(count(responses, 200), 30, JSON.stringify(statuses(responses)))
      assert.equal(count(responses, 429), 1)
      assertRateLimited(responses.find((r) => r.statusCode === 429)!, 60)
    })

    test('eligibility and invite are counted separately: after 30 eligibility requests an invite still passes', async () => {
      const b = await brand()
      const answered: LightMyRequestResponse[] = []
      for (let i = 0; i < 30; i++) answered.push(await eligibility(t, b))
      assert.deepEqual(statuses(answered), Array(30).fill(200))
      assertRateLimited(await eligibility(t, b), 60)

      const res = await invite(t, b, json(answered[0]!).callId)
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(remaining(res), 29, 'the invite budget is untouched')
      // And the invite budget is its own 30 as well.
      for (let i = 1; i < 30; i++) assert.equal((await invite(t, b, json(answered[i]!).callId)).statusCode, 200)
      assertRateLimited(await invite(t, b, json(answered[0]!).callId), 60)
    })

    test('the budget is per brand: brand B is unaffected by brand A\'s exhaustion', async () => {
      const a = await brand()
      const b = await brand()
      for (let i = 0; i < 30; i++) assert.equal((await eligibility(t, a)).statusCode, 200)
      assertRateLimited(await eligibility(t, a), 60)
      const res = await eligibility(t, b)
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(remaining(res), 29)
      assertRateLimited(await eligibility(t, a), 60)
    })

    test('requests refused by authentication (401) or authorization (403) do not consume the budget', async () => {
      const b = await brand()
      const stranger = await brand()
      const managementOnly = await createApiKey(t.runtime, { accountId: b.account, appName: 'console', developer: 'tests', privileges: ['management'] })
      const forged = { ...b.key, secret: 'not-the-secret' }
      const refused: LightMyRequestResponse[] = []
      for (let i = 0; i < 15; i++) refused.push(await eligibility(t, b, forged))
      for (let i = 0; i < 15; i++) refused.push(await eligibility(t, b, managementOnly))
      for (let i = 0; i < 15; i++) refused.push(await eligibility(t, b, stranger.key))
      const unsigned = await t.app.inject({ method: 'POST', url: eligibilityPath(b), payload: eligibilityBody(b) })
      refused.push(unsigned)
      assert.deepEqual(statuses(refused), [...Array(15).fill(401), ...Array(30).fill(403), 401])
      for (const res of refused) assert.equal(res.headers['ratelimit'], undefined, 'a refused caller is not shown the brand\'s budget')

      const answered: LightMyRequestResponse[] = []
      for (let i = 0; i < 30; i++) answered.push(await eligibility(t, b))
      assert.deepEqual(statuses(answered), Array(30).fill(200))
      assert.equal(remaining(answered[0]!), 29, 'the full budget was left after 46 refused requests')
      assertRateLimited(await eligibility(t, b), 60)
    })
  })

  describe(`rate limit with Redis (${dialect.name})`, { skip: !process.env.TEST_REDIS_URL && 'TEST_REDIS_URL not set' }, () => {
    const env = { ...ENV, REDIS_URL: process.env.TEST_REDIS_URL ?? '', RATE_LIMIT: '10' }
    let first: TestApp
    let second: TestApp
    const accounts: string[] = []
    const brand = async () => {
      const account = uniqueAccount()
      accounts.push(account)
      return setUpBrand(first, account)
    }

    before(async () => {
      first = await startApp(dialect, env)
      second = await startSecondInstance(first, env)
    })
    after(async () => {
      if (first?.runtime.redis?.status === 'ready') {
        const keys = accounts.flatMap((account) => [`c2m:rl:${account}:eligibility`, `c2m:rl:${account}:invite`])
        if (keys.length > 0) await first.runtime.redis.del(...keys)
      }
      await second?.close()
      await first?.close()
    })

    test('two instances share one budget: 6 on one and 5 on the other → exactly one 429 in total', async () => {
      const b = await brand()
      const responses = await Promise.all([...Array.from({ length: 6 }, () => eligibility(first, b)), ...Array.from({ length: 5 }, () => eligibility(second, b))])
      assert.equal(count(responses, 200), 10, JSON.stringify(statuses(responses)))
      assert.equal(count(responses, 429), 1)
      assertRateLimited(responses.find((r) => r.statusCode === 429)!, 60)
      // Both instances now see the exhausted budget.
      assertRateLimited(await eligibility(first, b), 60)
      assertRateLimited(await eligibility(second, b), 60)
    })

    test('the remaining count is shared: each instance continues where the other left off', async () => {
      const b = await brand()
      const seen: number[] = []
      for (let i = 0; i < 10; i++) {
        const res = await eligibility(i % 2 === 0 ? first : second, b)
        assert.equal(res.statusCode, 200, res.body)
        seen.push(remaining(res))
      }
      assert.deepEqual(seen, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
      assertRateLimited(await eligibility(second, b), 60)
    })

    test('with Redis gone, an instance falls back to its own memory: eligibility still answers and nonces still refuse a replay', async () => {
      const b = await brand()
      // Redis says this brand's budget is spent ...
      for (let i = 0; i < 10; i++) assert.equal((await eligibility(first, b)).statusCode, 200)
      assertRateLimited(await eligibility(first, b), 60)

      // ... but an instance that lost Redis counts in its own memory, rather than refusing callers.
      const third = await startSecondInstance(first, env)
      try {
        const redis = third.runtime.redis
        assert.ok(redis)
        // The connection closes asynchronously: wait for ioredis to report it gone for good.
        const ended = once(redis, 'end')
        await redis.disconnect()
        await ended
        assert.equal(redis.status, 'end')

        const res = await eligibility(third, b)
        assert.equal(res.statusCode, 200, res.body)
        assert.equal(remaining(res), 9, 'a fresh in-memory budget of the same size')

        const authorization = signAt(b.key, 'POST', PUBLIC_ORIGIN + eligibilityPath(b), Math.floor(third.clock.now().getTime() / 1000))
        const send = () => third.app.inject({ method: 'POST', url: eligibilityPath(b), headers: { authorization }, payload: eligibilityBody(b) })
        const original = await send()
        assert.equal(original.statusCode, 200, original.body)
        const replay = await send()
        assert.equal(replay.statusCode, 401, replay.body)
        assert.equal(json(replay).errorCode, 1100)

        // The memory budget is enforced too: 10 in all on this instance, then 429.
        for (let i = 0; i < 8; i++) assert.equal((await eligibility(third, b)).statusCode, 200)
        assertRateLimited(await eligibility(third, b), 60)
      } finally {
        await third.close()
      }
    })
  })
}

for (const dialect of dialects) suite(dialect)
