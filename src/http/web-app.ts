import fs from 'node:fs'
import path from 'node:path'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import fastifyStatic from '@fastify/static'
import { apiError } from '../shared/errors.ts'
import { send } from './error-handler.ts'
import { frameAncestorsDirective } from '../conversations/frame-ancestors.ts'

/**
 * The webtool's pages may only load what the service itself serves: no inline script, no other
 * host, never framed. Vite's build emits external, hashed scripts and style sheets only.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = pageSecurityHeaders("'none'")

function pageSecurityHeaders(frameAncestors: string): Record<string, string> {
  const csp = `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors ${frameAncestors}; base-uri 'self'; form-action 'self'`
  // X-Frame-Options cannot name origins: it stays DENY unless frame-ancestors allows some.
  return frameAncestors === "'none'" ? { 'content-security-policy': csp, 'referrer-policy': 'same-origin', 'x-frame-options': 'DENY' } : { 'content-security-policy': csp, 'referrer-policy': 'same-origin' }
}

/** A brand's CX widget frame ancestors (its conversation settings); may throw, which frames nothing. */
export type FrameAncestorsOf = (accountId: string) => Promise<readonly string[]>

const CX_WIDGET_PATH = '/cx-widget'
const isCxWidgetPage = (url: string) => (url.split('?', 1)[0] ?? url) === CX_WIDGET_PATH
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The CX widget page (`/cx-widget?account=…&conversation=<uuid>`) may be framed by the origins its
 * brand allows; any other page, or a query that does not name a brand and a conversation, by none.
 */
async function securityHeadersFor(url: string, frameAncestorsOf: FrameAncestorsOf | undefined): Promise<Readonly<Record<string, string>>> {
  const search = url.slice(url.indexOf('?') + 1)
  if (!isCxWidgetPage(url) || frameAncestorsOf === undefined || !url.includes('?') || search.length > 512) return PAGE_SECURITY_HEADERS
  const query = new URLSearchParams(search)
  const accountId = query.get('account') ?? ''
  if (!/^[0-9]{1,20}$/.test(accountId) || !UUID.test(query.get('conversation') ?? '')) return PAGE_SECURITY_HEADERS
  try {
    return pageSecurityHeaders(frameAncestorsDirective(await frameAncestorsOf(accountId)))
  } catch {
    return PAGE_SECURITY_HEADERS
  }
}

/** Paths that belong to the API and machines, never to the pages: an unknown one stays a JSON 404. */
export function isMachinePath(url: string): boolean {
  const pathname = url.split('?', 1)[0] ?? url
  return /^\/(api|webhooks)(\/|$)/.test(pathname) || pathname === '/healthz' || pathname === '/readyz'
}

/**
 * Serves the built webtool (`dist/web`, see scripts/build-web.mjs) at `/`: hashed assets cached
 * for a year, `index.html` revalidated on every visit, and any other page path answered with
 * `index.html` so the single-page app's own router shows it. Without a build, `/` says so in
 * our error shape instead of serving nothing.
 */
export function webAppRoutes(webDir: string | undefined, frameAncestorsOf?: FrameAncestorsOf): FastifyPluginAsync {
  return async (app) => {
    const built = webDir !== undefined && fs.existsSync(path.join(webDir, 'index.html'))
    if (!built) {
      const detail = webDir === undefined ? 'this instance serves no webtool (WEB_DIR=off)' : 'the webtool is not built here: run `npm run build:web` (or `npm start`, which builds it)'
      app.get('/', { schema: { hide: true } }, async (_request, reply) => send(reply, apiError('notFound', detail)))
      return
    }

    app.addHook('onSend', async (request, reply) => {
      for (const [name, value] of Object.entries(await securityHeadersFor(request.url, frameAncestorsOf))) reply.header(name, value)
      if (isCxWidgetPage(request.url)) {
        // Never revalidated: a 304 keeps the cached frame headers, so a brand's new origins (or
        // their removal) would not reach a browser that has the page already.
        reply.header('cache-control', 'no-store')
        reply.removeHeader('etag')
        reply.removeHeader('last-modified')
      }
    })
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/',
      // Only the files present at start are routes; every other path reaches the page fallback below.
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders(res, filePath) {
        const hashed = path.relative(webDir, filePath).startsWith(`assets${path.sep}`)
        res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
      },
    })

    const page = (reply: FastifyReply) => reply.sendFile('index.html')
    app.get('/', { schema: { hide: true } }, async (_request, reply) => page(reply))
    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      // The API's unknown paths keep their JSON 404; a missing asset is no page either.
      if (isMachinePath(request.url) || request.url.startsWith('/assets/')) return send(reply, apiError('notFound'))
      return page(reply)
    })
  }
}
