import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { VARIABLES } from '../src/config.ts'
import { ManualClock, TEST_SECRET_KEY, startApp, type TestApp } from './helper.ts'
import { seedDemoBrand } from '../src/demo/seed.ts'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '..')
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')

/** Runs a README shell block as written; its `export` lines hold the reader's placeholders, given here in env. */
async function runBlock(pattern: RegExp, env: NodeJS.ProcessEnv) {
  const block = pattern.exec(readme)?.[1]
  assert.ok(block, `no README block matches ${pattern}`)
  const script = ['set -e', ...block.split('\n').filter((line) => !line.startsWith('export '))].join('\n')
  return run('bash', ['--norc', '--noprofile', '-c', script], { cwd: root, env })
}

describe('README', () => {
  test('opens with the two set-up commands', () => {
    const firstBlock = readme.slice(0, readme.indexOf('## '))
    assert.match(firstBlock, /npm install && npm start/)
    assert.match(firstBlock, /npm test/)
  })

  test('opens with the pictures the browser tests take from the real pages, and each is there', () => {
    const opening = readme.slice(0, readme.indexOf('## What it does'))
    const pictures = [...opening.matchAll(/!\[[^\]]+\]\((docs\/screenshots\/[^)]+\.png)\)/g)].map((m) => m[1])
    assert.deepEqual(pictures, ['docs/screenshots/handoff-list.png', 'docs/screenshots/handoff-preview.png', 'docs/screenshots/workspace-cx-widget.png', 'docs/screenshots/simulator.png'])
    for (const picture of pictures) {
      const png = fs.readFileSync(path.join(root, picture!))
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${picture} is a PNG`)
    }
    // The names are the ones the tests take (readmeShot) and `npm run screenshots` copies.
    const script = fs.readFileSync(path.join(root, 'scripts', 'readme-screenshots.mjs'), 'utf8')
    for (const picture of pictures) assert.match(script, new RegExp(`'${path.basename(picture!, '.png')}'`))
  })

  test('documents every environment variable the service reads', () => {
    for (const variable of VARIABLES) assert.match(readme, new RegExp('\\| `' + variable.name + '` \\|'), `${variable.name} missing from the table`)
  })

  describe('the "Calling the API" examples, run as written against a live server', () => {
    let t: TestApp
    let env: NodeJS.ProcessEnv
    let handoffId: string
    before(async () => {
      // No PUBLIC_URL: the examples sign http://127.0.0.1:<port>, the origin they call.
      // The examples sign with the wall clock, so the service's clock starts at the real time.
      t = await startApp(undefined, { PUBLIC_URL: '' }, new ManualClock(new Date().toISOString()))
      const demo = await seedDemoBrand(t.runtime)
      assert.ok(demo)
      handoffId = demo.handoffId
      const key = demo.apiKey
      const address = await t.app.listen({ host: '127.0.0.1', port: 0 })
      env = {
        PATH: process.env.PATH,
        C2M_URL: address,
        C2M_ACCOUNT: '12345678',
        C2M_APP_KEY: key.appKey,
        C2M_SECRET: key.secret,
        C2M_ACCESS_TOKEN: key.accessToken,
        C2M_ACCESS_TOKEN_SECRET: key.accessTokenSecret,
      }
    })
    after(() => t.close())

    test('the shell block runs and every call succeeds', async () => {
      const { stdout } = await runBlock(/With the service running[\s\S]*?```sh\n([\s\S]*?)```/, env)
      const lines = stdout.trim().split('\n')
      assert.equal(lines.length, 3)
      assert.match(lines[0]!, /^200 /)
      assert.deepEqual(JSON.parse(lines[0]!.slice(4)).routing, { skills: ['sales', 'support', 'billing'], defaultSkill: 'support' })
      assert.match(lines[1]!, /^201 \{"name":"vip"/)
      const handoffs = JSON.parse(lines[2]!)
      assert.equal(handoffs.total, 1)
      assert.equal(handoffs.items[0].title, 'Demo SMS handoff')
    })

    test('the IVR call (Node and curl) reaches eligibility, invite and the sandbox inbox', async () => {
      const { stdout } = await runBlock(/## An IVR call, end to end[\s\S]*?```sh\n([\s\S]*?)```/, { ...env, C2M_HANDOFF: handoffId })
      const lines = stdout.trim().split('\n')
      assert.match(lines[0]!, /^eligibility 200 \{"availableChannels":\["sms"\],"recommendedChannelName":"sms","eligible":true,"callId":"[0-9a-f-]{36}"\}$/)
      assert.match(lines[1]!, /^invite 200 \{"callId":"[0-9a-f-]{36}"\}$/)
      assert.equal(lines[2], 'sandbox sms from +18005550100: "Hi Jane, thanks for calling Demo Brand. Reply here to keep talking with us by text.\\nReply STOP to opt out"')
      assert.match(lines[3]!, /^\{"callId":"[0-9a-f-]{36}"\}$/, 'the curl invite answers with the callId')
    })
  })

  describe('"Set up a new brand", run as written against a live server', () => {
    let t: TestApp
    let server: NodeJS.ProcessEnv
    let cli: NodeJS.ProcessEnv
    let demoAppKey: string

    /** The four values `c2m key create` prints, as the reader copies them into the exports. */
    const keyOf = (stdout: string) => {
      const value = (name: string) => new RegExp(`^  ${name} +(\\S+)$`, 'm').exec(stdout)?.[1] ?? assert.fail(`no ${name} in ${stdout}`)
      return { C2M_APP_KEY: value('appKey'), C2M_SECRET: value('secret'), C2M_ACCESS_TOKEN: value('accessToken'), C2M_ACCESS_TOKEN_SECRET: value('accessTokenSecret') }
    }

    before(async () => {
      t = await startApp(undefined, { PUBLIC_URL: '' }, new ManualClock(new Date().toISOString()))
      const demo = await seedDemoBrand(t.runtime)
      assert.ok(demo)
      demoAppKey = demo.apiKey.appKey
      const address = await t.app.listen({ host: '127.0.0.1', port: 0 })
      const { database } = t.config
      assert.equal(database.dialect, 'sqlite')
      // The CLI works on the server's store, as it does when run from the server's folder.
      cli = { PATH: process.env.PATH, DATABASE_URL: database.dialect === 'sqlite' ? database.file : '', C2M_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' }
      server = { PATH: process.env.PATH, C2M_URL: address, C2M_ACCOUNT: '7654321' }
    })
    after(() => t.close())

    test('the brand, its configuration and its IVR key, in order, end in a delivered invitation', async () => {
      const brand = await runBlock(/## Set up a new brand[\s\S]*?```sh\n([\s\S]*?)```/, cli)
      assert.match(brand.stdout, /^account 7654321 \(Acme, zone z1\) created/)

      const { stdout } = await runBlock(/\*\*2\. Skills, settings, numbers, a handoff\*\*[\s\S]*?```sh\n([\s\S]*?)```/, { ...server, ...keyOf(brand.stdout) })
      const lines = stdout.trim().split('\n')
      assert.deepEqual(lines.map((line) => line.split(' ')[0]), ['201', '201', '200', '201', 'eligibility', 'invite', 'sandbox'], stdout)
      assert.match(lines[4]!, /^eligibility 200 \{"availableChannels":\["sms"\],"recommendedChannelName":"sms","eligible":true,/)
      assert.equal(lines[6], 'sandbox sms from +18005550123: "Hi Jane, thanks for calling Acme. Reply here to keep talking with us by text.\\nReply STOP to opt out"')

      const ivr = await runBlock(/\*\*3\. The IVR's own key\*\*[\s\S]*?```sh\n([\s\S]*?)```/, cli)
      assert.match(ivr.stdout, /\(privileges: ivr-engagement\)/)
      const ivrKey = { ...server, ...keyOf(ivr.stdout) }
      const refused = (error: { stdout?: string }) => /^403 .*1101/.test(error.stdout ?? '')
      await assert.rejects(run('node', ['examples/oauth-call.mjs', 'GET', '/settings'], { cwd: root, env: ivrKey }), refused, 'the IVR key is not a management key')
    })

    test('a lost key is replaced and revoked with the commands shown', async () => {
      const { stdout } = await runBlock(/### A new API key when the printed one is lost[\s\S]*?```sh\n([\s\S]*?)```/, { ...cli, LOST_APP_KEY: demoAppKey })
      assert.match(stdout, new RegExp(`^key ${demoAppKey} revoked$`, 'm'))
      const fresh = { ...server, C2M_ACCOUNT: '12345678', ...keyOf(stdout) }
      const handoffs = await run('node', ['examples/oauth-call.mjs', 'GET', '/handoffs'], { cwd: root, env: fresh })
      assert.match(handoffs.stdout, /^200 .*"title":"Demo SMS handoff"/)
    })
  })
})
