import type { FastifyBaseLogger } from 'fastify'
import type { PushDevices } from '../channels/fcm/fcm-push.adapter.ts'
import type { Db } from '../store/database.ts'
import { listDevicesOnApps, removeDevice } from './device.repository.ts'

/** One brand's consumers' devices as the FCM adapter uses them: listed per message, dropped when their token is stale. */
export function pushDevices(db: Db, accountId: string, log: FastifyBaseLogger): PushDevices {
  return {
    of: (consumerId, appIds) => listDevicesOnApps(db, accountId, consumerId, appIds),
    async forget(device, reason) {
      // The token itself stays out of the log: it addresses the consumer's phone.
      const fields = { accountId, consumerId: device.consumerId, appId: device.appId, platform: device.platform, reason }
      try {
        const removed = await removeDevice(db, accountId, device)
        log.warn({ ...fields, removed }, removed ? 'push token refused by FCM for good: device removed' : 'push token refused by FCM for good: device already removed or registered again')
      } catch (error) {
        log.error({ ...fields, err: error }, 'push token refused by FCM for good, but the device could not be removed')
      }
    },
  }
}
