import { SignJWT, errors, jwtVerify } from 'jose'

const ISSUER = 'connect-to-messaging'
const ALGORITHM = 'HS256'
/** Both the payload's `typ` and the audience: what tells a consumer token from any other token of ours. */
const TYPE = 'consumer'

/** What a consumer token asserts: the brand's app acts for this one consumer of this brand. */
export interface ConsumerClaims {
  accountId: string
  consumerId: string
}

/**
 * Issues and verifies the consumer tokens of `POST /api/account/{id}/consumer-tokens`: HS256
 * under a key derived from the master key for this purpose only, so an app JWT (signed under the
 * `app-jwt` key) never verifies here, nor a consumer token as an app JWT. The consumer is the
 * subject; the brand is `acc`, as in an app JWT.
 */
export class ConsumerTokenIssuer {
  constructor(
    private readonly key: Uint8Array,
    readonly ttlSeconds: number,
  ) {}

  async issue(claims: ConsumerClaims, now: Date, jti: string): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000)
    const exp = iat + this.ttlSeconds
    const token = await new SignJWT({ acc: claims.accountId, typ: TYPE })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(TYPE)
      .setSubject(claims.consumerId)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key)
    return { token, expiresAt: new Date(exp * 1000) }
  }

  /** The token's claims, or null for anything that is not a consumer token of ours still valid at `now`. */
  async verify(token: string, now: Date): Promise<ConsumerClaims | null> {
    try {
      // Pinning the algorithm list is what rejects `alg: none` and algorithm-confusion tokens.
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: TYPE,
        currentDate: now,
        requiredClaims: ['sub', 'exp', 'acc', 'typ'],
      })
      if (payload.typ !== TYPE || typeof payload.sub !== 'string' || typeof payload.acc !== 'string') return null
      return { accountId: payload.acc, consumerId: payload.sub }
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return null
      throw error
    }
  }
}
