/** Channels on the wire. `twilio` is accepted as `sms` where the C2M API allows it. */
export const CHANNELS = ['sms', 'wa', 'inapp'] as const
export type Channel = (typeof CHANNELS)[number]

/** Channels that send from one of the brand's registered phone numbers. */
export const NUMBER_CHANNELS = ['sms', 'wa'] as const
export type NumberChannel = (typeof NUMBER_CHANNELS)[number]

/** The provider that carries each channel once the brand connects it. */
export const CHANNEL_PROVIDER = { sms: 'twilio', wa: 'whatsapp', inapp: 'fcm' } as const satisfies Record<Channel, string>

/**
 * How a brand's channel delivers: into the built-in consumer simulator (`sandbox`), or through the
 * brand's provider connection (`live`). Explicit, never inferred: a live channel whose connection
 * is gone fails its sends instead of "delivering" into the simulator.
 */
export const CHANNEL_MODES = ['sandbox', 'live'] as const
export type ChannelMode = (typeof CHANNEL_MODES)[number]
