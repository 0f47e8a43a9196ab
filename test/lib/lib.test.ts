import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { SecretBox, loadOrCreateKeyFile } from '../../src/lib/secret-box.ts'
import { isValidE164, maskPhone, maskPhonesIn } from '../../src/lib/phone.ts'
import { randomIds } from '../../src/lib/ids.ts'

describe('SecretBox', () => {
  const key = crypto.randomBytes(32)

  test('seals to an opaque versioned string and opens back to the plaintext', () => {
    const box = new SecretBox(key)
    const sealed = box.seal('s3cret value é')
    assert.match(sealed, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/)
    assert.ok(!sealed.includes('s3cret'))
    assert.equal(box.open(sealed), 's3cret value é')
  })

  test('sealing the same plaintext twice gives different ciphertexts (fresh IV)', () => {
    const box = new SecretBox(key)
    assert.notEqual(box.seal('same'), box.seal('same'))
  })

  test('a tampered ciphertext is rejected', () => {
    const box = new SecretBox(key)
    const [version, iv, tag, body] = box.seal('account secret').split('.') as [string, string, string, string]
    const bytes = Buffer.from(body, 'base64url')
    bytes[0] = bytes[0]! ^ 0x01
    assert.throws(() => box.open([version, iv, tag, bytes.toString('base64url')].join('.')))
  })

  test('a tampered tag is rejected', () => {
    const box = new SecretBox(key)
    const [version, iv, tag, body] = box.seal('account secret').split('.') as [string, string, string, string]
    const bytes = Buffer.from(tag, 'base64url')
    bytes[3] = bytes[3]! ^ 0x80
    assert.throws(() => box.open([version, iv, bytes.toString('base64url'), body].join('.')))
  })

  test('a different master key cannot open it', () => {
    const sealed = new SecretBox(key).seal('account secret')
    assert.throws(() => new SecretBox(crypto.randomBytes(32)).open(sealed))
  })

  test('malformed sealed values and keys of the wrong size are rejected', () => {
    const box = new SecretBox(key)
    assert.throws(() => box.open('plain text'), /not a sealed secret/)
    assert.throws(() => box.open('v2.a.b.c'), /not a sealed secret/)
    assert.throws(() => new SecretBox(crypto.randomBytes(16)), /32 bytes/)
  })
})

describe('loadOrCreateKeyFile', () => {
  const dirs: string[] = []
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
  })

  test('creates the key once, readable only by its owner, and returns the same key later', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-lib-'))
    dirs.push(root)
    const dataDir = path.join(root, 'nested', 'data')
    const first = loadOrCreateKeyFile(dataDir)
    assert.equal(first.length, 32)
    const file = path.join(dataDir, 'master.key')
    assert.equal(fs.statSync(file).mode & 0o777, 0o600)
    const written = fs.readFileSync(file, 'utf8')

    const second = loadOrCreateKeyFile(dataDir)
    assert.deepEqual(second, first)
    assert.equal(fs.readFileSync(file, 'utf8'), written)

    // What the first key sealed, the reloaded key opens.
    assert.equal(new SecretBox(second).open(new SecretBox(first).seal('kept')), 'kept')
  })

  test('a key file that does not hold 32 bytes is refused', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c2m-lib-'))
    dirs.push(dataDir)
    fs.writeFileSync(path.join(dataDir, 'master.key'), Buffer.alloc(8).toString('base64'))
    assert.throws(() => loadOrCreateKeyFile(dataDir), /32-byte/)
  })
})

describe('phone numbers', () => {
  test('maskPhone keeps only the last four digits', () => {
    assert.equal(maskPhone('+18005550100'), '+*******0100')
    assert.equal(maskPhone('447911123456'), '********3456')
    assert.equal(maskPhone('(800) 555-0100'), '(***) ***-0100')
    assert.equal(maskPhone('1234'), '****')
    assert.equal(maskPhone(''), '****')
  })

  test('maskPhonesIn masks every number in free text, encoded or not', () => {
    const masked = maskPhonesIn('/api/account/1/phone-numbers/%2B18005550100?to=+447911123456')
    assert.equal(masked, '/api/account/1/phone-numbers/%2B*******0100?to=+********3456')
    assert.ok(!masked.includes('8005550100'))
    assert.ok(!masked.includes('7911123456'))
    assert.equal(maskPhonesIn('%2b18005550100'), '%2b*******0100')
    // Short runs are not phone numbers (and account ids without `+` are left alone).
    assert.equal(maskPhonesIn('/api/account/12345678/skills?n=+123'), '/api/account/12345678/skills?n=+123')
  })

  test('isValidE164 accepts valid US and UK numbers', () => {
    assert.equal(isValidE164('+14155552671'), true)
    assert.equal(isValidE164('+12125551234'), true)
    assert.equal(isValidE164('+447911123456'), true)
    assert.equal(isValidE164('+442079460000'), true)
  })

  test('isValidE164 rejects a missing +, more than 15 characters, and invalid numbers', () => {
    assert.equal(isValidE164('14155552671'), false)
    assert.equal(isValidE164('447911123456'), false)
    assert.equal(isValidE164('+447911123456789'), false) // 16 characters
    assert.equal('+447911123456789'.length, 16)
    assert.equal(isValidE164('+10000000000'), false)
    assert.equal(isValidE164('+1234'), false)
    assert.equal(isValidE164('+4479111234567'), false)
    assert.equal(isValidE164('+0447911123456'), false)
    assert.equal(isValidE164('+1 415 555 2671'), false)
    assert.equal(isValidE164(''), false)
  })
})

describe('randomIds', () => {
  test('handoff ids are H followed by 15 digits', () => {
    const ids = Array.from({ length: 200 }, () => randomIds.handoffId())
    for (const id of ids) assert.match(id, /^H\d{15}$/)
    assert.equal(new Set(ids).size, ids.length)
  })

  test('uuids are v4 and tokens are hex of the requested size', () => {
    assert.match(randomIds.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.match(randomIds.token(16), /^[0-9a-f]{32}$/)
  })
})
