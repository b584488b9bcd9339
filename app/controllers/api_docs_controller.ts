import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { HttpContext } from '@adonisjs/core/http'
import { openApiDocument } from '#openapi/document'
import NotFoundException from '#exceptions/not_found_exception'

const swaggerUiDir = join(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
  '..'
)

/** The only files the docs page serves from swagger-ui-dist. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
}

/** Boots Swagger UI; a file rather than an inline script so the CSP stays strict. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true })`

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Facility Portal API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/assets/init.js"></script>
</body>
</html>`

/**
 * The OpenAPI document and a human-readable page for it, served from the
 * bundled swagger-ui-dist package (no CDN: portals often run offline).
 */
export default class ApiDocsController {
  async document({ response }: HttpContext) {
    return response.json(openApiDocument)
  }

  async page({ response }: HttpContext) {
    // Swagger UI sets inline styles; scripts stay same-origin only.
    response.header(
      'Content-Security-Policy',
      `default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'`
    )
    response.header('Content-Type', 'text/html; charset=utf-8')
    return response.send(PAGE)
  }

  async asset({ params, response }: HttpContext) {
    if (params.file === 'init.js') {
      response.header('Content-Type', 'text/javascript; charset=utf-8')
      return response.send(INIT_SCRIPT)
    }
    const contentType = ASSETS[params.file]
    if (!contentType) {
      throw new NotFoundException()
    }
    response.header('Content-Type', contentType)
    response.header('Cache-Control', 'public, max-age=86400')
    return response.download(join(swaggerUiDir, params.file))
  }
}
