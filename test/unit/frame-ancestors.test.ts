import assert from 'node:assert/strict'
import { test } from 'node:test'
import { frameAncestorsDirective, isFrameAncestorOrigin } from '../../src/conversations/frame-ancestors.ts'

const cases: Array<[string, boolean]> = [
  ['https://desk.example.com', true],
  ['https://desk.example.com:8443', true],
  ['https://localhost', true],
  ['https://*.example.com', true],
  ['https://*.desk.example.co.uk:65535', true],
  ['http://localhost:5173', true],
  ['http://127.0.0.1', true],
  ['http://desk.example.com', false],
  ['http://localhost.example.com', false],
  ['https://*.com', false],
  ['https://*', false],
  ['https://a.*.example.com', false],
  ['https://desk.example.com/', false],
  ['https://desk.example.com/x', false],
  ['https://desk.example.com?x', false],
  ['https://user@desk.example.com', false],
  ['https://desk.example.com:65536', false],
  ['https://desk.example.com:0', false],
  ['https://desk.example.com:08443', false],
  ['https://Desk.example.com', false],
  ['https://desk.example.com https://evil.example', false],
  ['https://desk.example.com;script-src *', false],
  ["'self'", false],
  ['*', false],
  ['', false],
  [`https://${'a'.repeat(64)}.com`, false],
  [`https://${'abcdefghij.'.repeat(19)}com`, false],
]

test('a frame ancestor is an exact https origin (http only for localhost), at most a leading *.', () => {
  for (const [origin, ok] of cases) assert.equal(isFrameAncestorOrigin(origin), ok, origin)
})

test("the directive lists the valid origins, or 'none'", () => {
  assert.equal(frameAncestorsDirective([]), "'none'")
  assert.equal(frameAncestorsDirective(['https://a.example.com', 'https://b.example.com:444']), 'https://a.example.com https://b.example.com:444')
  assert.equal(frameAncestorsDirective(["'self'", 'https://a.example.com; x']), "'none'")
  assert.equal(frameAncestorsDirective(Array.from({ length: 12 }, (_, i) => `https://d${i}.example.com`)).split(' ').length, 10)
})
