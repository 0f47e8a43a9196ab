import { useEffect, useState } from 'react'

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** A time of today as hours and minutes; an older one with its date. */
export function formatTime(iso: string, now = Date.now()): string {
  const date = new Date(iso)
  return now - date.getTime() < 12 * 3600_000 && new Date(now).toDateString() === date.toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date)
}

/** How long ago, in words short enough for a list. */
export function formatAge(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** The current time, again every `everyMs`: for countdowns and ages. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}
