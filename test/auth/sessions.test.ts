import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock, dialects, json, provisionBrand, signedRequest, startApp, startSecondInstance, type TestApp } from '../helper.ts'
import type { IssuedApiKey } from '../../src/accounts/provisioning.service.ts'
import { PASSWORD, addPerson, login, sessionCookieOf, signIn } from '../fixtures/people.ts'

const A = '7001'
const B = '7002'
const UNAUTHENTICATED = { errorCode: 1100, errorMessage: 'Invalid Bearer token' }
const BAD_CREDENTIALS = { errorCode: 1102, errorMessage: 'Invalid login or password' }

for (const dialect of dialects) {
  describe(`people's sessions (${dialect.name})`, () => {
    let t: TestApp
    let keyA: IssuedApiKey
    const clock = new ManualClock()

    before(async () => {
      t = await startApp(dialect, { LOGIN_MAX_FAILURES: '5', LOGIN_MAX_FAILURES_PER_ADDRESS: '8', LOGIN_LOCK_MINUTES: '15' }, clock)
      keyA = await provisionBrand(t.runtime, A)
      await provisionBrand(t.runtime, B)
      await signedRequest(t, keyA, 'POST', `/api/account/${A}/skills`, { name: 'sales' })
      for (const [login, role] of [['ann', 'admin'], ['cam', 'campaign-manager'], ['al', 'admin'], ['bob', 'agent'], ['lock-me', 'lpa'], ['pat', 'lpa']] as const) {
        await addPerson(t, A, login, role)
      }
      await addPerson(t, B, 'bea', 'admin')
    })
    after(() => t.close())

    test('a login answers the person and a CSRF token, and its cookie is served on a permitted route', async () => {
      const res = await login(t, A, { login: 'ann', password: PASSWORD })
      assert.equal(res.statusCode, 200, res.body)
      const body = json(res)
      assert.deepEqual(Object.keys(body.user).sort(), ['id', 'login', 'maxConversations', 'role', 'skills', 'status', 'welcomedAt'])
      assert.equal(body.user.role, 'admin')
      assert.equal(typeof body.csrfToken, 'string')
      const session = await signIn(t, A, 'ann')
      assert.equal((await session.request('GET', 'skills')).statusCode, 200)
      const again = json(await session.request('GET', 'session'))
      assert.equal(again.user.login, 'ann')
      assert.equal(again.csrfToken, session.csrfToken)
    })

    test('the cookie is HttpOnly, SameSite=Lax, Path=/, with a Max-Age; Secure over https only', async () => {
      const res = await login(t, A, { login: 'ann', password: PASSWORD })
      const { attributes } = sessionCookieOf(res)
      assert.ok(attributes.includes('HttpOnly'))
      assert.ok(attributes.includes('SameSite=Lax'))
      assert.ok(attributes.includes('Path=/'))
      assert.ok(attributes.includes('Max-Age=43200'))
      assert.ok(attributes.includes('Secure'), 'PUBLIC_URL is https')
      assert.equal(res.headers['cache-control'], 'no-store')
      const plain = await startSecondInstance(t, { PUBLIC_URL: 'http://localhost:8080' })
      try {
        const overHttp = await login(plain, A, { login: 'ann', password: PASSWORD })
        assert.ok(!sessionCookieOf(overHttp).attributes.includes('Secure'))
      } finally {
        await plain.close()
      }
    })

    test('a wrong password and an unknown login answer alike, 401 1102', async () => {
      const wrong = await login(t, A, { login: 'pat', password: 'not the password' })
      const unknown = await login(t, A, { login: 'nobody', password: 'not the password' })
      assert.equal(wrong.statusCode, 401)
      assert.deepEqual(json(wrong), BAD_CREDENTIALS)
      assert.equal(unknown.statusCode, 401)
      assert.deepEqual(json(unknown), BAD_CREDENTIALS)
      assert.equal(wrong.headers['set-cookie'], undefined)
      // A login is bounded before scrypt sees it; a form post is not JSON.
      assert.equal((await login(t, A, { login: 'pat', password: 'x'.repeat(1025) })).statusCode, 400)
      const form = await t.app.inject({ method: 'POST', url: `/api/account/${A}/login`, payload: 'login=pat&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      assert.equal(form.statusCode, 415)
    })

    test('CSRF: an unsafe method without the token, or with a wrong one, is 403 1101; GET needs none', async () => {
      const session = await signIn(t, A, 'cam')
      const missing = await session.request('POST', 'skills', { name: 'csrf-test' }, { csrf: null })
      assert.equal(missing.statusCode, 403)
      assert.equal(json(missing).errorCode, 1101)
      assert.match(json(missing).detail, /CSRF token missing/)
      const wrong = await session.request('POST', 'skills', { name: 'csrf-test' }, { csrf: 'x'.repeat(43) })
      assert.equal(wrong.statusCode, 403)
      assert.match(json(wrong).detail, /CSRF token invalid/)
      assert.equal((await session.request('GET', 'skills', undefined, { csrf: null })).statusCode, 200)
      assert.equal((await session.request('POST', 'skills', { name: 'csrf-test' })).statusCode, 201)
    })

    test('logout ends this session (a copy of the cookie opens nothing) and clears the cookie', async () => {
      const session = await signIn(t, A, 'pat')
      const other = await signIn(t, A, 'pat')
      const res = await session.request('POST', 'logout')
      assert.equal(res.statusCode, 204)
      assert.match(String(res.headers['set-cookie']), /^c2m_session=; Path=\/; Max-Age=0/)
      assert.deepEqual(json(await session.request('GET', 'session')), UNAUTHENTICATED)
      assert.equal((await other.request('GET', 'session')).statusCode, 200, 'other sessions go on')
    })

    test('logout everywhere ends every session of the user at once', async () => {
      const one = await signIn(t, A, 'pat')
      const two = await signIn(t, A, 'pat')
      assert.equal((await one.request('POST', 'logout', { everywhere: true })).statusCode, 204)
      assert.equal((await two.request('GET', 'session')).statusCode, 401)
      assert.equal((await signIn(t, A, 'pat')).userId, one.userId, 'signing in again works')
    })

    test('a password change ends the other sessions and re-issues this one', async () => {
      await addPerson(t, A, 'changer', 'lpa')
      const here = await signIn(t, A, 'changer')
      const elsewhere = await signIn(t, A, 'changer')
      const wrong = await here.request('POST', 'users/me/password', { currentPassword: 'wrong one', newPassword: 'a brand new password' })
      assert.equal(wrong.statusCode, 400)
      const res = await here.request('POST', 'users/me/password', { currentPassword: PASSWORD, newPassword: 'a brand new password' })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal((await elsewhere.request('GET', 'session')).statusCode, 401)
      assert.equal((await here.request('GET', 'session')).statusCode, 401, 'the old cookie is of the old version')
      const renewed = sessionCookieOf(res).value
      assert.equal((await here.request('GET', 'session', undefined, { cookie: renewed })).statusCode, 200)
      assert.equal((await login(t, A, { login: 'changer', password: 'a brand new password' })).statusCode, 200)
      assert.equal((await login(t, A, { login: 'changer', password: PASSWORD })).statusCode, 401)
    })

    test('a role change or disabling by an admin ends the user\'s sessions at once', async () => {
      const admin = await signIn(t, A, 'ann')
      await addPerson(t, A, 'moved', 'campaign-manager')
      await addPerson(t, A, 'gone', 'campaign-manager')
      const moved = await signIn(t, A, 'moved')
      const gone = await signIn(t, A, 'gone')
      assert.equal((await admin.request('PATCH', `users/${moved.userId}`, { role: 'lpa' })).statusCode, 200)
      assert.equal((await moved.request('GET', 'skills')).statusCode, 401)
      assert.equal((await admin.request('PATCH', `users/${gone.userId}`, { disabled: true })).statusCode, 200)
      assert.equal((await gone.request('GET', 'skills')).statusCode, 401)
      assert.deepEqual(json(await login(t, A, { login: 'gone', password: PASSWORD })), BAD_CREDENTIALS)
      // Skills or capacity alone leave sessions be.
      const stays = await signIn(t, A, 'moved')
      assert.equal((await admin.request('PATCH', `users/${moved.userId}`, { maxConversations: 7 })).statusCode, 200)
      assert.equal((await stays.request('GET', 'session')).statusCode, 200)
    })

    test('another brand\'s cookie is useless (401), an API key cannot use the session routes (403)', async () => {
      const bea = await signIn(t, B, 'bea')
      const onA = await t.app.inject({ method: 'GET', url: `/api/account/${A}/skills`, headers: { cookie: `c2m_session=${bea.cookie}` } })
      assert.equal(onA.statusCode, 401)
      assert.deepEqual(json(onA), UNAUTHENTICATED)
      assert.equal((await signedRequest(t, keyA, 'GET', `/api/account/${A}/session`)).statusCode, 403)
    })

    test('a tampered, foreign or expired cookie is 401', async () => {
      const session = await signIn(t, A, 'al')
      const flipped = session.cookie.slice(0, -2) + (session.cookie.endsWith('A') ? 'BB' : 'AA')
      for (const cookie of [flipped, 'v1.abc.def.ghi', 'garbage', 'x'.repeat(5000)]) {
        const res = await session.request('GET', 'session', undefined, { cookie })
        assert.equal(res.statusCode, 401, cookie.slice(0, 20))
      }
      clock.advance(12 * 3600_000 + 1000)
      assert.equal((await session.request('GET', 'session')).statusCode, 401, 'absolute expiry')
    })

    test('failed sign-ins lock the login (429 with Retry-After, even with the right password) until the clock moves on', async () => {
      const attempt = (password: string) => login(t, A, { login: 'lock-me', password }, {})
      for (let i = 1; i <= 4; i++) assert.equal((await attempt('wrong password')).statusCode, 401, `failure ${i}`)
      const fifth = await attempt('wrong password')
      assert.equal(fifth.statusCode, 429)
      assert.equal(json(fifth).errorCode, 1029)
      assert.equal(fifth.headers['retry-after'], '900')
      const right = await attempt(PASSWORD)
      assert.equal(right.statusCode, 429)
      clock.advance(14 * 60_000)
      assert.equal((await attempt(PASSWORD)).statusCode, 429)
      clock.advance(60_000 + 1000)
      assert.equal((await attempt(PASSWORD)).statusCode, 200)
      // Success forgets the failures.
      assert.equal((await attempt('wrong password')).statusCode, 401)
    })

    test('one address failing on many logins is locked as an address', async () => {
      clock.advance(16 * 60_000)
      const from = (loginName: string, password: string, remoteAddress: string) =>
        t.app.inject({ method: 'POST', url: `/api/account/${A}/login`, payload: { login: loginName, password }, remoteAddress })
      for (let i = 0; i < 7; i++) assert.equal((await from(`sprayed-${i}`, 'wrong password', '203.0.113.9')).statusCode, 401)
      assert.equal((await from('sprayed-7', 'wrong password', '203.0.113.9')).statusCode, 429)
      assert.equal((await from('bob', PASSWORD, '203.0.113.9')).statusCode, 429, 'the address is locked')
      assert.equal((await from('bob', PASSWORD, '203.0.113.10')).statusCode, 200, 'another address is not')
    })

    test('the welcome flag is set once and shown in the session', async () => {
      const session = await signIn(t, A, 'bob')
      assert.equal(json(await session.request('GET', 'session')).user.welcomedAt, null)
      const res = await session.request('POST', 'users/me/welcomed')
      assert.equal(res.statusCode, 200)
      const first = json(res).welcomedAt
      clock.advance(1000)
      assert.equal(json(await session.request('POST', 'users/me/welcomed')).welcomedAt, first)
      assert.equal(json(await session.request('GET', 'session')).user.welcomedAt, first)
    })
  })
}

describe('login lockout through Redis', { skip: !process.env.TEST_REDIS_URL && 'TEST_REDIS_URL not set' }, () => {
  let t: TestApp
  before(async () => {
    t = await startApp(dialects[0], { REDIS_URL: process.env.TEST_REDIS_URL as string, LOGIN_MAX_FAILURES: '3' })
    await provisionBrand(t.runtime, '7101')
    await addPerson(t, '7101', `redis-${Date.now()}`, 'lpa')
  })
  after(() => t.close())

  test('the third failure locks the login, shared through Redis by a second instance', async () => {
    const loginName = `nobody-${Date.now()}`
    assert.equal((await login(t, '7101', { login: loginName, password: 'wrong password' })).statusCode, 401)
    assert.equal((await login(t, '7101', { login: loginName, password: 'wrong password' })).statusCode, 401)
    const second = await startSecondInstance(t, { REDIS_URL: process.env.TEST_REDIS_URL as string, LOGIN_MAX_FAILURES: '3' })
    try {
      const third = await login(second, '7101', { login: loginName, password: 'wrong password' })
      assert.equal(third.statusCode, 429)
      assert.equal((await login(t, '7101', { login: loginName, password: 'wrong password' })).statusCode, 429)
    } finally {
      await second.close()
    }
  })
})
