import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { startApp, type TestApp } from '../helper.ts'
import { seedDemoBrand } from '../../src/demo/seed.ts'
import { systemClock } from '../../src/lib/clock.ts'

// The README's "whole journey with curl" block, run as written with curl against a live server
// with the demo brand, its dispatcher and router running as after `npm start`.

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '..', '..')
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')

describe('the README\'s journey with curl', () => {
  let t: TestApp
  let env: NodeJS.ProcessEnv
  let cwd: string

  before(async () => {
    t = await startApp(undefined, { PUBLIC_URL: '' }, systemClock as never)
    const demo = await seedDemoBrand(t.runtime)
    assert.ok(demo)
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 })
    const support = demo.agents.find((agent) => agent.skill === 'support')
    assert.ok(support)
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-journey-'))
    env = { PATH: process.env.PATH, C2M_URL: address, C2M_ACCOUNT: demo.accountId, C2M_APP_KEY: demo.apiKey.appKey, C2M_SECRET: demo.apiKey.secret, C2M_HANDOFF: demo.handoffId, AGENT_PASSWORD: support.password }
  })
  after(async () => {
    await t.close()
    fs.rmSync(cwd, { recursive: true, force: true })
  })

  test('sign in, invite, reply, ring, accept, answer, close, and the next message is inbound on the default skill', async () => {
    const block = /## The whole journey with curl[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]
    assert.ok(block, 'no journey block in the README')
    // The reader exports the printed values; here the environment holds them already.
    const script = block.replace(/^export (C2M_URL|C2M_APP_KEY|AGENT_PASSWORD)=.*$/gm, '')
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', ['set -e', script].join('\n')], { cwd, env, timeout: 30_000 })
    const lines = stdout.trim().split('\n')
    assert.equal(lines[0], '{"status":"online"}')
    assert.match(lines[1] ?? '', /^\{"callId":"[0-9a-f-]{36}"\}$/)
    assert.match(lines[2] ?? '', /^Hi Sam, thanks for calling Demo Brand\. Reply here/, 'the invitation as the phone received it')
    assert.ok(lines.includes('open support ivr-deflection'), stdout)
    assert.ok(lines.some((line) => /^invitation: Hi Sam, thanks for calling Demo Brand/.test(line)), stdout)
    assert.ok(lines.includes('consumer: Yes, about my order'), stdout)
    assert.ok(lines.includes('Hi Sam, I can help with that.'), 'the agent\'s answer on the phone')
    assert.equal(lines.at(-2), 'closed')
    assert.equal(lines.at(-1), 'inbound support')
  })
})
