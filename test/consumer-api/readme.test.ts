import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { ManualClock, json, startApp, type TestApp } from '../helper.ts'
import { seedDemoBrand } from '../../src/demo/seed.ts'
import { listInbound } from '../../src/inbound/inbound.repository.ts'

// The README's "In-app consumer API" block, run as written with curl against a live server and
// the demo brand, as its reader would after "Calling the API" (which leaves an app JWT in $TOKEN).

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '..', '..')
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
const ACCOUNT = '12345678'

describe('the README\'s in-app consumer API block', () => {
  let t: TestApp
  let env: NodeJS.ProcessEnv

  before(async () => {
    t = await startApp(undefined, { PUBLIC_URL: '' }, new ManualClock(new Date().toISOString()))
    const demo = await seedDemoBrand(t.runtime)
    assert.ok(demo)
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 })
    const res = await t.app.inject({ method: 'POST', url: `/api/account/${ACCOUNT}/app-jwt`, payload: { grant_type: 'client_credentials', client_id: demo.apiKey.appKey, client_secret: demo.apiKey.secret } })
    env = { PATH: process.env.PATH, C2M_URL: address, C2M_ACCOUNT: ACCOUNT, TOKEN: json(res).access_token }
  })
  after(() => t.close())

  test('mints a token, registers the device, lists the messages and sends a reply', async () => {
    const block = /## In-app consumer API[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]
    assert.ok(block, 'no In-app consumer API block in the README')
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', ['set -e', block].join('\n')], { cwd: root, env })
    assert.match(stdout, /^\{"consumerId":"jane","appId":"com\.demo\.brand","platform":"ios","pushToken":"<the FCM registration token>","updatedAt":"[^"]+"\}/)
    assert.match(stdout, /\{"items":\[\],"next":null,"hasMore":false\}/)
    assert.match(stdout, /\{"id":"[0-9a-f-]{36}","duplicate":false\}$/)
    const [reply] = await listInbound(t.runtime.db, ACCOUNT, 'jane')
    assert.equal(reply?.text, 'Hi, I just called about my order')
    assert.equal(reply?.to, 'com.demo.brand')
  })
})
