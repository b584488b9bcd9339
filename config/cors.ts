import { defineConfig } from '@adonisjs/cors'
import portalConfig from '#config/portal'

/**
 * The single-page frontend may live on another origin; only the
 * configured origins get credentialed cross-origin access.
 */
const corsConfig = defineConfig({
  enabled: true,
  origin: portalConfig.frontendOrigins,
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  headers: true,
  exposeHeaders: ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
  credentials: true,
  maxAge: 90,
})

export default corsConfig
