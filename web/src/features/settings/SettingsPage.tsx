import { LoadFailed } from '../../components/LoadFailed.tsx'
import type { Session } from '../session/session.api.ts'
import { ChannelModesSection } from './ChannelModesSection.tsx'
import { ChannelsSection } from './ChannelsSection.tsx'
import { CxWidgetSection } from './CxWidgetSection.tsx'
import { DeviceCheckSection } from './DeviceCheckSection.tsx'
import { NumbersAppsSection } from './NumbersAppsSection.tsx'
import { RoutingSection } from './RoutingSection.tsx'
import { DEFAULT_SETTINGS, mayChangeSettings, useBrandSettings } from './settings.api.ts'
import styles from './settings.module.css'

/**
 * The brand's global settings (the user guide's Settings): channels and their priority, each
 * channel's sandbox or live mode, the numbers and apps handoffs send with, the device check,
 * routing, and the CX widget's frame ancestors.
 * Each section saves on its own. Admins and campaign managers change them; LPA users read them.
 */
export function SettingsPage({ session }: { session: Session }) {
  const { accountId } = session
  const canWrite = mayChangeSettings(session.user.role)
  const settings = useBrandSettings(accountId)
  const stored = settings.data ?? DEFAULT_SETTINGS

  return (
    <section className={styles.page}>
      <h1>Settings</h1>
      {canWrite ? (
        <p className={styles.intro}>The brand's global settings. Each section is saved on its own, with its own Save button; channel modes and skills change at once.</p>
      ) : (
        <p className={styles.readOnly}>You can view these settings. The brand's admins and campaign managers change them.</p>
      )}
      {settings.isPending ? <p role="status">Loading the settings…</p> : null}
      <LoadFailed query={settings} what="The settings cannot be read" />
      {settings.isSuccess ? (
        <div className={styles.sections}>
          {settings.data === null ? (
            <p className={styles.readOnly}>
              This brand has no settings yet: the defaults are shown{canWrite ? ', and saving any section stores them' : ''}.
            </p>
          ) : null}
          <ChannelsSection accountId={accountId} stored={stored} canWrite={canWrite} />
          <ChannelModesSection accountId={accountId} canWrite={canWrite} />
          <NumbersAppsSection accountId={accountId} canWrite={canWrite} />
          <DeviceCheckSection accountId={accountId} stored={stored} canWrite={canWrite} />
          <RoutingSection accountId={accountId} stored={stored} canWrite={canWrite} />
          <CxWidgetSection accountId={accountId} canWrite={canWrite} />
        </div>
      ) : null}
    </section>
  )
}
