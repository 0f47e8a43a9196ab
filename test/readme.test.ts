import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { VARIABLES } from '../src/config.ts'
import { ManualClock, startApp, type TestApp } from './helper.ts'
import { seedDemoBrand } from '../src/demo/seed.ts'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '..')
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')

describe('README', () => {
  test('opens with the two set-up commands', () => {
    const firstBlock = readme.slice(0, readme.indexOf('## '))
    assert.match(firstBlock, /npm install && npm start/)
    assert.match(firstBlock, /npm test/)
  })

  test('documents every environment variable the service reads', () => {
    for (const variable of VARIABLES) assert.match(readme, new RegExp('\\| `' + variable.name + '` \\|'), `${variable.name} missing from the table`)
  })

  describe('the "Calling the API" examples, run as written against a live server', () => {
    let t: TestApp
    let env: NodeJS.ProcessEnv
    before(async () => {
      // No PUBLIC_URL: the examples sign http://127.0.0.1:<port>, the origin they call.
      // The examples sign with the wall clock, so the service's clock starts at the real time.
      t = await startApp(undefined, { PUBLIC_URL: '' }, new ManualClock(new Date().toISOString()))
      const demo = await seedDemoBrand(t.runtime)
      assert.ok(demo)
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
      const block = /With the service running[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]
      assert.ok(block, 'example block not found')
      // The exports hold placeholders for the reader's values; the test provides them in env.
      const script = ['set -e', ...block.split('\n').filter((line) => !line.startsWith('export '))].join('\n')
      const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', script], { cwd: root, env })
      const lines = stdout.trim().split('\n')
      assert.equal(lines.length, 3)
      assert.match(lines[0]!, /^200 /)
      assert.deepEqual(JSON.parse(lines[0]!.slice(4)).routing, { skills: ['sales', 'support', 'billing'], defaultSkill: 'support' })
      assert.match(lines[1]!, /^201 \{"name":"vip"/)
      const handoffs = JSON.parse(lines[2]!)
      assert.equal(handoffs.total, 1)
      assert.equal(handoffs.items[0].title, 'Demo SMS handoff')
    })
  })
})
