import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { MemoryNonceStore, RedisNonceStore } from '../../src/auth/nonce-store.ts'

describe('MemoryNonceStore', () => {
  it('remembers a nonce until its TTL has passed', async () => {
    let now = 1_000_000
    const store = new MemoryNonceStore(() => now)
    assert.equal(await store.remember('k', 60), true)
    assert.equal(await store.remember('k', 60), false)
    now += 59_999
    assert.equal(await store.remember('k', 60), false)
    now += 1
    assert.equal(await store.remember('k', 60), true)
    assert.equal(await store.remember('k', 60), false)
  })

  it('keeps keys apart', async () => {
    const store = new MemoryNonceStore(() => 0)
    assert.equal(await store.remember('a', 60), true)
    assert.equal(await store.remember('b', 60), true)
    assert.equal(await store.remember('a', 60), false)
  })
})

describe('RedisNonceStore', { skip: !process.env.TEST_REDIS_URL && 'TEST_REDIS_URL not set' }, () => {
  const url = process.env.TEST_REDIS_URL ?? ''
  const prefix = `c2m:test:nonce:${randomUUID()}:`
  const first = new Redis(url, { lazyConnect: true })
  const second = new Redis(url, { lazyConnect: true })

  after(async () => {
    const keys = await first.keys(`${prefix}*`)
    if (keys.length > 0) await first.del(...keys)
    await Promise.all([first.quit(), second.quit()])
  })

  it('shares nonces between instances with separate connections', async () => {
    const a = new RedisNonceStore(first, prefix)
    const b = new RedisNonceStore(second, prefix)
    assert.equal(await a.remember('shared', 60), true)
    assert.equal(await b.remember('shared', 60), false)
    assert.equal(await a.remember('shared', 60), false)
    assert.equal(await b.remember('other', 60), true)
  })

  it('lets exactly one of concurrent instances win a nonce', async () => {
    const a = new RedisNonceStore(first, prefix)
    const b = new RedisNonceStore(second, prefix)
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).remember('race', 60)))
    assert.equal(results.filter(Boolean).length, 1)
  })

  it('stores the nonce under the prefix with the requested TTL', async () => {
    assert.equal(await new RedisNonceStore(first, prefix).remember('ttl', 600), true)
    const ttl = await first.ttl(`${prefix}ttl`)
    assert.ok(ttl > 590 && ttl <= 600, `ttl ${ttl}`)
  })

  it('rounds a fractional TTL up to whole seconds', async () => {
    assert.equal(await new RedisNonceStore(first, prefix).remember('fraction', 0.2), true)
    assert.equal(await first.ttl(`${prefix}fraction`), 1)
  })
})
