import { SignJWT, errors, jwtVerify } from 'jose'

const ISSUER = 'connect-to-messaging'
const ALGORITHM = 'HS256'

/** What an app JWT asserts: which API key it was issued to, for which brand. */
export interface AppJwtClaims {
  keyId: string
  accountId: string
}

/**
 * Issues and verifies the Bearer tokens of `POST /api/account/{id}/app-jwt`. Tokens are
 * HS256 under a key derived from the master key, so every instance accepts every token.
 */
export class AppJwtIssuer {
  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
  ) {}

  async issue(claims: AppJwtClaims, now: Date, jti: string): Promise<{ token: string; expiresIn: number }> {
    const iat = Math.floor(now.getTime() / 1000)
    const token = await new SignJWT({ acc: claims.accountId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(claims.keyId)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.key)
    return { token, expiresIn: this.ttlSeconds }
  }

  /** The token's claims, or null for anything not issued by us and still valid at `now`. */
  async verify(token: string, now: Date): Promise<AppJwtClaims | null> {
    try {
      // Pinning the algorithm list is what rejects `alg: none` and algorithm-confusion tokens.
      const { payload } = await jwtVerify(token, this.key, { algorithms: [ALGORITHM], issuer: ISSUER, currentDate: now, requiredClaims: ['sub', 'exp'] })
      if (typeof payload.sub !== 'string' || typeof payload.acc !== 'string') return null
      return { keyId: payload.sub, accountId: payload.acc }
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return null
      throw error
    }
  }
}
