import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/**
 * The webtool's build: `web/` is Vite's root, the output goes to `dist/web` (served by the
 * service at `/`), asset names carry a content hash so they can be cached for a year.
 * JSX is compiled by Vite's own esbuild (React's automatic runtime): no Babel plugin to install.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic' },
  css: { modules: { localsConvention: 'camelCaseOnly' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The CSP allows no inline script; Vite's module preload polyfill would be one.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into scripts; the CSP allows data: images only.
    assetsInlineLimit: 0,
    sourcemap: false,
    // One bundle for the whole app (about 160 KB gzip): scripts/build-web.mjs holds it to the issue's
    // budget of 300 KB compressed, which is the figure that matters; Rollup's minified-size hint is noise.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      onwarn(warning, warn) {
        // React Server Components' "use client" markers mean nothing in a client-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return
        warn(warning)
      },
    },
  },
  server: {
    port: 5173,
    proxy: { '/api': process.env.C2M_URL ?? 'http://127.0.0.1:8080' },
  },
})
