import { useEffect, useId, useRef, useState } from 'react'
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router'
import { Button } from '../../components/Button.tsx'
import { LoadFailed } from '../../components/LoadFailed.tsx'
import { InlineConfirm } from '../../components/InlineConfirm.tsx'
import { CopyButton } from '../../components/CopyButton.tsx'
import { ApiError } from '../../lib/api.ts'
import type { Session } from '../session/session.api.ts'
import { CHANNEL_NAMES, type Channel, HANDOFF_SORTS, type Handoff, type HandoffListQuery, type HandoffSort, useDeleteHandoff, useHandoffs } from './handoffs.api.ts'
import { lookbackText } from './handoff-draft.ts'
import type { FromList } from './HandoffEditorPage.tsx'
import { useDebounced } from './useDebounced.ts'
import styles from './handoffs.module.css'

export const PAGE_SIZE = 10
const CHANNELS: Channel[] = ['sms', 'wa', 'inapp']
const DEFAULT_ORDER: Record<HandoffSort, 'asc' | 'desc'> = { title: 'asc', id: 'asc', createdAt: 'desc', updatedAt: 'desc' }

/** The list's page, sort and filters, read from the address (what is not there takes its default). */
function queryOf(params: URLSearchParams): HandoffListQuery {
  const page = Number(params.get('page'))
  const sort = (HANDOFF_SORTS as readonly string[]).includes(params.get('sort') ?? '') ? (params.get('sort') as HandoffSort) : 'createdAt'
  const order = params.get('order') === 'asc' || params.get('order') === 'desc' ? (params.get('order') as 'asc' | 'desc') : DEFAULT_ORDER[sort]
  const channel = (CHANNELS as string[]).includes(params.get('channel') ?? '') ? (params.get('channel') as Channel) : ''
  return { page: Number.isInteger(page) && page >= 1 ? page : 1, pageSize: PAGE_SIZE, sort, order, title: (params.get('title') ?? '').slice(0, 100), channel }
}

/** The address of a list state: defaults are left out, so `/` is the first page, newest first. */
function paramsOf(query: HandoffListQuery): URLSearchParams {
  const params = new URLSearchParams()
  if (query.page > 1) params.set('page', String(query.page))
  if (query.sort !== 'createdAt') params.set('sort', query.sort)
  if (query.order !== DEFAULT_ORDER[query.sort]) params.set('order', query.order)
  if (query.title) params.set('title', query.title)
  if (query.channel) params.set('channel', query.channel)
  return params
}

/** A date in a table cell: the day, and the time under it. */
function When({ iso }: { iso: string }) {
  const date = new Date(iso)
  return (
    <time dateTime={iso} className={styles.when}>
      <span>{date.toLocaleDateString(undefined, { dateStyle: 'medium' })}</span>
      <span className={styles.muted}>{date.toLocaleTimeString(undefined, { timeStyle: 'short' })}</span>
    </time>
  )
}

/** The history state the flow leaves on the list after a save. */
interface Saved {
  saved?: { id: string; title: string; created: boolean }
}

/**
 * The landing page of admins, campaign managers and LPA users: the brand's API handoffs, paged,
 * sorted by a column and filtered on title and channel. Page, sort and filters live in the address,
 * so Back returns to them and a link shows the same list. Writers create, edit and delete (with an
 * inline confirmation); LPA users read.
 */
export function HandoffListPage({ session }: { session: Session }) {
  const { accountId } = session
  const canWrite = session.user.role === 'admin' || session.user.role === 'campaign-manager'
  const [params, setParams] = useSearchParams()
  const query = queryOf(params)
  const list = useHandoffs(accountId, query)
  const location = useLocation()
  const navigate = useNavigate()
  const listSearch = params.size ? `?${params}` : ''
  const heading = useRef<HTMLHeadingElement>(null)

  // "Created" is said once: read from the history entry the flow left, then removed from it, so a
  // reload or a later Back does not say it again. It shows until dismissed or the list changes.
  const arrived = (location.state as Saved | null)?.saved
  const [saved, setSaved] = useState(arrived ? { ...arrived, search: location.search } : undefined)
  const savedStatus = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!arrived) return
    setSaved({ ...arrived, search: location.search })
    navigate({ search: location.search }, { replace: true, state: null })
  }, [arrived])
  const savedShown = saved && saved.search === location.search ? saved : undefined
  // The form that held the focus is gone: the page says what happened and takes the focus there.
  useEffect(() => {
    if (saved) savedStatus.current?.focus()
  }, [saved?.id])

  const [deleted, setDeleted] = useState<{ title: string } | null>(null)
  const deletedStatus = useRef<HTMLParagraphElement>(null)
  // The deleted row took the focus with it: the page says what happened and keeps the focus there.
  useEffect(() => {
    if (deleted !== null) deletedStatus.current?.focus()
  }, [deleted])

  // Next page onto the last page disables the button that had the focus: the focus goes to where
  // the page now is, not to the document.
  const pageStatus = useRef<HTMLSpanElement>(null)
  const paged = useRef(false)
  useEffect(() => {
    if (!paged.current) return
    paged.current = false
    const active = document.activeElement
    if (!active || active === document.body || (active instanceof HTMLButtonElement && active.disabled)) pageStatus.current?.focus()
  }, [query.page])
  function turnPage(page: number) {
    paged.current = true
    update({ page })
  }

  function update(change: Partial<HandoffListQuery>, replace = false) {
    setParams(paramsOf({ ...query, ...change }), { replace })
  }

  // The title filter follows the typing after a pause; the address then changes in place (each
  // keystroke is no step of history). Back or a link changing the address changes the box.
  const [typed, setTyped] = useState(query.title)
  const settled = useDebounced(typed, 300)
  useEffect(() => {
    setTyped(query.title)
  }, [query.title])
  useEffect(() => {
    if (settled !== query.title && settled === typed) update({ title: settled, page: 1 }, true)
    // Only a settled change of the typed text updates the address.
  }, [settled])

  // A page past the end (its last handoff deleted, or an old link): go to the last page there is.
  const data = list.data
  useEffect(() => {
    if (data && data.items.length === 0 && data.total > 0 && query.page > 1) update({ page: Math.ceil(data.total / PAGE_SIZE) }, true)
  }, [data, query.page])

  const filtered = query.title !== '' || query.channel !== ''
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1
  const first = data && data.total > 0 ? (data.page - 1) * PAGE_SIZE + 1 : 0
  const last = data ? first + data.items.length - (data.items.length ? 1 : 0) : 0

  return (
    <section className={styles.page} aria-labelledby="handoffs-heading">
      <div className={styles.pageHeader}>
        <h1 id="handoffs-heading" ref={heading} tabIndex={-1}>
          API handoffs
        </h1>
        {canWrite ? (
          <Link to="/handoffs/new" state={{ listSearch } satisfies FromList} className={styles.linkButtonPrimary}>
            New handoff
          </Link>
        ) : null}
      </div>
      <p className={styles.intro}>
        A handoff is what the IVR names by its ID when it calls Eligibility: the channels to try in priority order and the first message each
        sends.{canWrite ? '' : ' You can read them; admins and campaign managers change them.'}
      </p>
      {savedShown ? (
        <div role="status" tabIndex={-1} ref={savedStatus} className={styles.success}>
          <span>
            “<span className={styles.titleText}>{savedShown.title}</span>” was {savedShown.created ? 'created' : 'saved'}. Its ID is <code className={styles.code}>{savedShown.id}</code>
          </span>
          <CopyButton value={savedShown.id} label={`Copy the ID of ${savedShown.title}`} />
          <Button
            variant="secondary"
            onPress={() => {
              setSaved(undefined)
              heading.current?.focus()
            }}
          >
            Dismiss
          </Button>
        </div>
      ) : null}
      {deleted !== null ? (
        <p role="status" tabIndex={-1} ref={deletedStatus} className={styles.success}>
          “<span className={styles.titleText}>{deleted.title}</span>” was deleted.
        </p>
      ) : null}
      <div role="search" className={styles.filters} aria-label="Filter the handoffs">
        <span className={styles.inlineField}>
          <label htmlFor="filter-title" className={styles.label}>
            Title contains
          </label>
          <input id="filter-title" type="search" className={styles.input} value={typed} maxLength={100} onChange={(e) => setTyped(e.target.value)} />
        </span>
        <span className={styles.inlineField}>
          <label htmlFor="filter-channel" className={styles.label}>
            Channel
          </label>
          <select id="filter-channel" className={styles.input} value={query.channel} onChange={(e) => update({ channel: e.target.value as Channel | '', page: 1 })}>
            <option value="">Any channel</option>
            {CHANNELS.map((channel) => (
              <option key={channel} value={channel}>
                {CHANNEL_NAMES[channel]}
              </option>
            ))}
          </select>
        </span>
        {filtered ? (
          <Button variant="secondary" onPress={() => update({ title: '', channel: '', page: 1 })}>
            Clear the filters
          </Button>
        ) : null}
      </div>
      {list.isPending ? <p role="status">Loading the handoffs…</p> : null}
      <LoadFailed query={list} what="The handoffs could not be loaded" />
      {data && data.total === 0 ? (
        filtered ? (
          <p className={styles.empty}>No handoff matches these filters.</p>
        ) : (
          <p className={styles.empty}>
            No API handoff yet.{canWrite ? ' Create the first one with New handoff: the IVR needs its ID to deflect a call.' : ''}
          </p>
        )
      ) : null}
      {data && data.items.length > 0 ? (
        <>
          <p role="status" className={styles.muted} aria-live="polite">
            {data.total === 1 ? '1 handoff' : `Handoffs ${first}–${last} of ${data.total}`}
            {list.isFetching && !list.isPending ? ' (updating…)' : ''}
          </p>
          <div className={styles.tableScroll}>
            <table className={styles.table} aria-labelledby="handoffs-heading">
              <thead>
                <tr>
                  <SortHeader column="title" label="Title" query={query} onSort={update} />
                  <SortHeader column="id" label="ID" query={query} onSort={update} />
                  <th scope="col">Channels</th>
                  <th scope="col">Lookback</th>
                  <SortHeader column="createdAt" label="Created" query={query} onSort={update} />
                  <SortHeader column="updatedAt" label="Updated" query={query} onSort={update} />
                  {canWrite ? (
                    <th scope="col">
                      <span className={styles.visuallyHidden}>Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {data.items.map((handoff) => (
                  <HandoffRow key={handoff.id} accountId={accountId} handoff={handoff} canWrite={canWrite} listSearch={listSearch} onDeleted={(title) => setDeleted({ title })} />
                ))}
              </tbody>
            </table>
          </div>
          <nav aria-label="Pages" className={styles.pager}>
            <Button variant="secondary" isDisabled={query.page <= 1} onPress={() => turnPage(query.page - 1)}>
              Previous page
            </Button>
            <span ref={pageStatus} tabIndex={-1}>
              Page {Math.min(query.page, pages)} of {pages}
            </span>
            <Button variant="secondary" isDisabled={query.page >= pages} onPress={() => turnPage(query.page + 1)}>
              Next page
            </Button>
          </nav>
        </>
      ) : null}
    </section>
  )
}

interface SortHeaderProps {
  column: HandoffSort
  label: string
  query: HandoffListQuery
  onSort: (change: Partial<HandoffListQuery>) => void
}

/** A column header that sorts: pressed again, it reverses the order. */
function SortHeader({ column, label, query, onSort }: SortHeaderProps) {
  const active = query.sort === column
  const next = active ? (query.order === 'asc' ? 'desc' : 'asc') : DEFAULT_ORDER[column]
  return (
    <th scope="col" aria-sort={active ? (query.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className={styles.sortButton} onClick={() => onSort({ sort: column, order: next, page: 1 })}>
        {label}
        <span aria-hidden="true" className={styles.sortMark}>
          {active ? (query.order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
        <span className={styles.visuallyHidden}>, sort {next === 'asc' ? 'ascending' : 'descending'}</span>
      </button>
    </th>
  )
}

interface HandoffRowProps {
  accountId: string
  handoff: Handoff
  canWrite: boolean
  listSearch: string
  onDeleted: (title: string) => void
}

function HandoffRow({ accountId, handoff, canWrite, listSearch, onDeleted }: HandoffRowProps) {
  const remove = useDeleteHandoff(accountId)
  const [confirming, setConfirming] = useState(false)
  const errorId = useId()
  const removeError =
    remove.error instanceof ApiError && remove.error.status === 404 ? 'It was already deleted.' : remove.error ? `It could not be deleted: ${remove.error.message}` : null
  return (
    <tr aria-label={handoff.title}>
      <td className={styles.titleCell}>
        <Link to={`/handoffs/${encodeURIComponent(handoff.id)}`} state={{ listSearch } satisfies FromList} className={styles.titleText}>
          {handoff.title}
        </Link>
      </td>
      <td>
        <span className={styles.idLine}>
          <code className={styles.code}>{handoff.id}</code>
          <CopyButton value={handoff.id} label={`Copy the ID of ${handoff.title}`} />
        </span>
      </td>
      <td>{handoff.channels.map((c) => CHANNEL_NAMES[c]).join(' → ')}</td>
      <td>{lookbackText(handoff.lookbackMinutes)}</td>
      <td>
        <When iso={handoff.createdAt} />
      </td>
      <td>
        <When iso={handoff.updatedAt} />
      </td>
      {canWrite ? (
        <td className={styles.actions}>
          <InlineConfirm
            confirming={confirming}
            question={`Delete “${handoff.title}”? An IVR that names its ID is refused from then on.`}
            confirmLabel={remove.isPending ? 'Deleting…' : 'Yes, delete'}
            busy={remove.isPending}
            label={`Confirm deleting ${handoff.title}`}
            className={styles.confirm}
            onConfirm={() => remove.mutate(handoff.id, { onSuccess: () => onDeleted(handoff.title), onSettled: () => setConfirming(false) })}
            onCancel={() => setConfirming(false)}
          >
            <span className={styles.rowActions}>
              <Link to={`/handoffs/${encodeURIComponent(handoff.id)}/edit`} state={{ listSearch } satisfies FromList} className={styles.linkButton} aria-label={`Edit ${handoff.title}`}>
                Edit
              </Link>
              <Button
                variant="secondary"
                aria-label={`Delete ${handoff.title}`}
                aria-describedby={removeError ? errorId : undefined}
                onPress={() => {
                  remove.reset()
                  setConfirming(true)
                }}
              >
                Delete
              </Button>
            </span>
          </InlineConfirm>
          {removeError ? (
            <span id={errorId} role="alert" className={styles.error}>
              {removeError}
            </span>
          ) : null}
        </td>
      ) : null}
    </tr>
  )
}
