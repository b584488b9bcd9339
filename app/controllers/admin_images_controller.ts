import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ImageCatalogService from '#services/images/image_catalog_service'
import RequestOrigin from '#services/request_origin'
import {
  adminImageListValidator,
  createImageValidator,
  imageParamsValidator,
  updateImageValidator,
} from '#validators/image'
import AdminImageTransformer from '#transformers/admin_image_transformer'
import { listPage } from '#transformers/list_page'

/**
 * The image catalogue for admins: every image, to curate.
 */
@inject()
export default class AdminImagesController {
  constructor(protected images: ImageCatalogService) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(adminImageListValidator, {
      data: ctx.request.qs(),
    })
    const result = await this.images.list(filters)
    return listPage(
      await ctx.serialize.withoutWrapping(AdminImageTransformer.transform(result.all())),
      result
    )
  }

  async store(ctx: HttpContext) {
    const fields = await ctx.request.validateUsing(createImageValidator)
    const image = await this.images.create(
      ctx.auth.getUserOrFail(),
      fields,
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(201)
    return ctx.serialize(AdminImageTransformer.transform(image))
  }

  async show(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(imageParamsValidator, {
      data: { params: ctx.params },
    })
    const image = await this.images.find(params.id)
    return ctx.serialize(AdminImageTransformer.transform(image))
  }

  async update(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(imageParamsValidator, {
      data: { params: ctx.params },
    })
    const changes = await ctx.request.validateUsing(updateImageValidator)
    const image = await this.images.update(
      ctx.auth.getUserOrFail(),
      params.id,
      changes,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(AdminImageTransformer.transform(image))
  }

  async destroy(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(imageParamsValidator, {
      data: { params: ctx.params },
    })
    await this.images.delete(ctx.auth.getUserOrFail(), params.id, RequestOrigin.fromHttp(ctx))
    return ctx.response.noContent()
  }
}
