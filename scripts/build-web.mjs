#!/usr/bin/env node
// Builds the webtool (web/ → dist/web) with Vite and prints what a first visit downloads; renders
// the README, with its pictures, into dist/web/docs/ (the welcome page links it).
// With --if-stale it builds only when dist/web/index.html is missing or older than a file under
// web/ (or package-lock.json): `npm start` runs it so a fresh clone serves the pages at once.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

const ROOT = path.resolve(import.meta.dirname, '..')
const SOURCES = path.join(ROOT, 'web')
const OUT = path.join(ROOT, 'dist', 'web')
const DOCS = path.join(ROOT, 'docs')
/** The budget for compressed JavaScript on a first visit. */
const JS_BUDGET_BYTES = 300 * 1024

function newestChange(dir) {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

export function isStale() {
  const index = path.join(OUT, 'index.html')
  if (!fs.existsSync(index)) return true
  const sources = Math.max(newestChange(SOURCES), newestChange(DOCS), ...['package-lock.json', 'README.md'].map((file) => fs.statSync(path.join(ROOT, file)).mtimeMs))
  return fs.statSync(index).mtimeMs < sources
}

/** The gzip sizes of the scripts and style sheets index.html references: what a first visit downloads. */
export function firstVisitSize() {
  const html = fs.readFileSync(path.join(OUT, 'index.html'), 'utf8')
  const referenced = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
  const sizes = { js: 0, css: 0, html: zlib.gzipSync(html).length }
  for (const file of referenced) {
    const gzipped = zlib.gzipSync(fs.readFileSync(path.join(OUT, file))).length
    sizes[file.endsWith('.js') ? 'js' : 'css'] += gzipped
  }
  return sizes
}

/** GitHub's anchor for a heading, so the README's own `#…` links work on the served page too. */
function slug(text) {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-')
}

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * The README as a page at /docs/: rendered by marked (our own text, no script; the pages' CSP
 * applies), headings with GitHub's anchors, the pictures from docs/screenshots beside it.
 */
export async function buildDocs() {
  const { Marked } = await import('marked')
  const seen = new Map()
  const marked = new Marked({
    gfm: true,
    walkTokens(token) {
      if (token.type === 'image' && token.href.startsWith('docs/')) token.href = token.href.slice('docs/'.length)
    },
    renderer: {
      heading({ tokens, depth, text }) {
        const base = slug(text)
        const count = seen.get(base) ?? 0
        seen.set(base, count + 1)
        const id = count === 0 ? base : `${base}-${count}`
        return `<h${depth} id="${id}">${this.parser.parseInline(tokens)}</h${depth}>\n`
      },
    },
  })
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const title = escapeHtml(/^# (.+)$/m.exec(readme)?.[1] ?? 'Connect to Messaging')
  const out = path.join(OUT, 'docs')
  fs.mkdirSync(path.join(out, 'screenshots'), { recursive: true })
  fs.writeFileSync(
    path.join(out, 'index.html'),
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${title}: the README</title>
<link rel="stylesheet" href="/docs/docs.css" />
</head>
<body>
<header><a href="/">Back to the webtool</a></header>
<main>
${await marked.parse(readme)}
</main>
</body>
</html>
`,
  )
  fs.copyFileSync(path.join(DOCS, 'docs.css'), path.join(out, 'docs.css'))
  for (const picture of fs.readdirSync(path.join(DOCS, 'screenshots'))) fs.copyFileSync(path.join(DOCS, 'screenshots', picture), path.join(out, 'screenshots', picture))
}

export async function buildWeb() {
  const { build } = await import('vite')
  await build({ configFile: path.join(SOURCES, 'vite.config.ts'), logLevel: 'warn' })
  await buildDocs()
  const sizes = firstVisitSize()
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
  console.log(`webtool built into dist/web; a first visit downloads ${kb(sizes.js + sizes.css + sizes.html)} gzip (JavaScript ${kb(sizes.js)}, CSS ${kb(sizes.css)}, HTML ${kb(sizes.html)})`)
  if (sizes.js > JS_BUDGET_BYTES) throw new Error(`the first visit's JavaScript is ${kb(sizes.js)} gzip, over the ${kb(JS_BUDGET_BYTES)} budget`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    if (!process.argv.includes('--if-stale') || isStale()) await buildWeb()
  } catch (error) {
    console.error(`build-web: ${error instanceof Error ? error.message : error}`)
    process.exit(1)
  }
}
