#!/usr/bin/env node
// Builds the webtool (web/ → dist/web) with Vite and prints what a first visit downloads.
// With --if-stale it builds only when dist/web/index.html is missing or older than a file under
// web/ (or package-lock.json): `npm start` runs it so a fresh clone serves the pages at once.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

const ROOT = path.resolve(import.meta.dirname, '..')
const SOURCES = path.join(ROOT, 'web')
const OUT = path.join(ROOT, 'dist', 'web')
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
  const sources = Math.max(newestChange(SOURCES), fs.statSync(path.join(ROOT, 'package-lock.json')).mtimeMs)
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

export async function buildWeb() {
  const { build } = await import('vite')
  await build({ configFile: path.join(SOURCES, 'vite.config.ts'), logLevel: 'warn' })
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
