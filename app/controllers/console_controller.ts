import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ConsoleBundle, { consoleCsp } from '#services/console/console_bundle'

/**
 * The web console: its page at `/` and at every client-side route, and its
 * hashed assets. The page is revalidated on every load (a new build is
 * picked up at once); assets never change under their name.
 */
@inject()
export default class ConsoleController {
  constructor(protected bundle: ConsoleBundle) {}

  async page({ request, response }: HttpContext) {
    const index = await this.bundle.pageFor(request.method(), request.url())
    response.header('Content-Security-Policy', consoleCsp())
    response.header('Cache-Control', 'no-cache')
    response.header('Referrer-Policy', 'same-origin')
    return response.download(index, true)
  }

  async asset({ params, response }: HttpContext) {
    const file = await this.bundle.assetFile(params.file)
    response.header('Cache-Control', 'public, max-age=31536000, immutable')
    return response.download(file, true)
  }
}
