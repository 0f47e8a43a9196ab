#!/usr/bin/env node
// Retakes the README's pictures from the real pages: runs the browser tests that take them (each
// calls `readmeShot`, which saves under test-results/readme/), then copies them into
// docs/screenshots/ for the README to show. Run it when a page the pictures show has changed:
//   npm run screenshots
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const TAKEN = path.join(ROOT, 'test-results', 'readme')
const SHOWN = path.join(ROOT, 'docs', 'screenshots')
const PICTURES = ['handoff-list', 'handoff-preview', 'workspace-cx-widget', 'simulator']
const TESTS = ['test/web/handoffs.test.ts', 'test/web/journey.test.ts']

const run = (command, args, env = process.env) => {
  const { status } = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env })
  if (status !== 0) process.exit(status ?? 1)
}

fs.rmSync(TAKEN, { recursive: true, force: true })
run(process.execPath, [path.join(ROOT, 'scripts', 'build-web.mjs'), '--if-stale'])
// SQLite only: the README's pictures are the SQLite run's.
const { TEST_DATABASE_URL: _ignored, ...env } = process.env
run(process.execPath, ['--import', 'tsx', '--test', ...TESTS], env)

const missing = PICTURES.filter((name) => !fs.existsSync(path.join(TAKEN, `${name}.png`)))
if (missing.length > 0) {
  console.error(`The tests did not take: ${missing.join(', ')} (is /usr/bin/chromium installed? the browser tests skip without it)`)
  process.exit(1)
}
fs.mkdirSync(SHOWN, { recursive: true })
for (const name of PICTURES) fs.copyFileSync(path.join(TAKEN, `${name}.png`), path.join(SHOWN, `${name}.png`))
console.log(`README pictures updated in docs/screenshots/: ${PICTURES.join(', ')}`)
