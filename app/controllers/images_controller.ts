import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ImageCatalogService from '#services/images/image_catalog_service'
import { imageListValidator } from '#validators/image'
import { imageValues } from '#transformers/image_transformer'
import { listPage } from '#transformers/list_page'
import { jsonWrittenOnce } from '#transformers/json_written_once'

/**
 * The image catalogue as the signed-in user may launch from it.
 */
@inject()
export default class ImagesController {
  constructor(protected images: ImageCatalogService) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(imageListValidator, { data: ctx.request.qs() })
    const { page, rows, held } = await this.images.listLaunchable(ctx.auth.getUserOrFail(), filters)
    const answer = () => listPage(rows.map(imageValues), page)
    return held ? jsonWrittenOnce(ctx, rows, answer) : answer()
  }
}
