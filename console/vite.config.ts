import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/**
 * The web console: built into console/dist, which the portal serves at `/`
 * (index.html) and `/assets/*` (hashed files). `npm run console:dev` serves
 * it with hot reload and forwards the API to a portal on PORTAL_URL.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No data: URIs: the page's CSP allows images from the portal only.
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: process.env.PORTAL_URL ?? 'http://127.0.0.1:3333', changeOrigin: false },
    },
  },
})
