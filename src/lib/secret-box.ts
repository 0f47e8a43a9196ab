import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

const VERSION = 'v1'

/** A sealed secret this master key cannot open: sealed under another key, or damaged. The caller's fault it is not. */
export class UnreadableSecretError extends Error {
  override name = 'UnreadableSecretError'
}

/**
 * Seals secrets at rest with AES-256-GCM under the master key. The sealed form is
 * `v1.<iv>.<tag>.<ciphertext>` (base64url), so a later key or algorithm can be told apart.
 */
export class SecretBox {
  readonly #key: Buffer

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the master key must be 32 bytes')
    this.#key = Buffer.from(key)
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.')
  }

  /** @throws UnreadableSecretError when `sealed` was not sealed under this master key or was altered */
  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.')
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
      throw new UnreadableSecretError('not a sealed secret of a known version')
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
    } catch (error) {
      throw new UnreadableSecretError('the secret does not open with this master key (was the key changed?)', { cause: error })
    }
  }

  /** Derives a purpose-bound sub-key (e.g. for signing app JWTs) without exposing the master key. */
  deriveKey(purpose: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.#key, Buffer.alloc(0), purpose, 32))
  }
}

/**
 * The master key when none is configured: generated once into the data folder, readable
 * only by its owner, and reused on every later start so sealed secrets stay readable.
 */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
  const file = path.join(dataDir, 'master.key')
  fs.mkdirSync(dataDir, { recursive: true })
  try {
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`)
  return key
}
