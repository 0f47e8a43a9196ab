import type { LineTypeLookup } from '../../calls/device-check.ts'
import type { SecretBox } from '../../lib/secret-box.ts'
import type { ProviderEndpoints } from '../provider-url.ts'
import type { Db } from '../../store/database.ts'
import { findConnection } from '../connections/connection.repository.ts'
import { type TwilioLineType, lookupLineType } from './twilio-lookup.ts'

/** Twilio line types that cannot receive a text; mobile, VoIP, personal and unknown numbers can. */
const UNTEXTABLE: ReadonlySet<string> = new Set<TwilioLineType>(['landline', 'tollFree', 'premium', 'sharedCost', 'uan', 'voicemail', 'pager'])

/** The device check's carrier lookup through the brand's Twilio connection (Lookup v2). */
export class TwilioLineTypeLookup implements LineTypeLookup {
  readonly source = 'twilio'

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly endpoints: ProviderEndpoints,
  ) {}

  async forBrand(accountId: string): Promise<((phone: string, timeoutMs: number) => Promise<string>) | undefined> {
    const twilio = await findConnection(this.db, this.secrets, accountId, 'twilio')
    return twilio && ((phone, timeoutMs) => lookupLineType(twilio.config, this.endpoints, phone, timeoutMs))
  }

  textable(lineType: string): boolean {
    return !UNTEXTABLE.has(lineType)
  }
}
