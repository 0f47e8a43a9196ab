/** Channels on the wire. `twilio` is accepted as `sms` where the C2M API allows it. */
export const CHANNELS = ['sms', 'wa', 'inapp'] as const
export type Channel = (typeof CHANNELS)[number]

/** Channels that send from one of the brand's registered phone numbers. */
export const NUMBER_CHANNELS = ['sms', 'wa'] as const
export type NumberChannel = (typeof NUMBER_CHANNELS)[number]
