import app from '@adonisjs/core/services/app'

/**
 * The web console (console/, a Vite build) that the portal serves at `/`.
 * `npm run build:console` writes it to console/dist; `node ace build` copies
 * that folder into the production build, where the same relative path holds.
 */
const consoleConfig = {
  /** The built console: index.html and the hashed files under assets/. */
  buildDir: app.makePath('console', 'dist'),
}

export default consoleConfig
