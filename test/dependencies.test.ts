import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import semver from 'semver'

const root = path.resolve(import.meta.dirname, '..')
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } }
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> }

// The project runs on Node 20.6 and later (package.json's engines): a locked package that declares it
// needs a later Node is a fault waiting for the day it uses what it declared (npm only warns).
test('every locked package declares it runs on the oldest Node the project supports', () => {
  const oldest = semver.minVersion(manifest.engines.node)
  assert.ok(oldest, `package.json engines.node (${manifest.engines.node}) names no version`)
  const refusing = Object.entries(lock.packages)
    .filter(([name]) => name !== '')
    .flatMap(([name, entry]) => {
      const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node
      return wanted && !semver.satisfies(oldest, wanted) ? [`${name.replace(/^.*node_modules\//, '')} needs Node ${wanted}`] : []
    })
  assert.deepEqual(refusing, [])
})
