import { randomBytes, randomInt, randomUUID } from 'node:crypto'

/** Identifiers are injected so tests can predict them where they need to. */
export interface IdGenerator {
  uuid(): string
  /** `H` followed by 15 random digits: the documented handoff id shape. */
  handoffId(): string
  /** Random URL-safe token of `bytes` bytes, hex encoded. */
  token(bytes: number): string
}

export const randomIds: IdGenerator = {
  uuid: () => randomUUID(),
  handoffId: () => 'H' + String(randomInt(1, 10)) + Array.from({ length: 14 }, () => randomInt(0, 10)).join(''),
  token: (bytes) => randomBytes(bytes).toString('hex'),
}
