import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

// The composition root stays a root: features take the AppContext type from src/context.ts, and
// only the process code (server.ts) and the CLI's `serve` load the app.
const SRC = path.join(import.meta.dirname, '..', 'src')
const ALLOWED = new Set(['server.ts', path.join('cli', 'main.ts')])

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

/** The files of src/ whose imports (static or dynamic) resolve to src/app.ts. */
function importersOfApp(): string[] {
  const app = path.join(SRC, 'app.ts')
  return sources(SRC)
    .filter((file) => [...fs.readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].some((m) => path.resolve(path.dirname(file), m[1]!) === app))
    .map((file) => path.relative(SRC, file))
}

test('no file under src/ imports src/app.ts but server.ts and the CLI', () => {
  const importers = importersOfApp()
  assert.ok(importers.includes('server.ts'), 'the check sees server.ts importing the app')
  assert.deepEqual(importers.filter((file) => !ALLOWED.has(file)), [])
})
