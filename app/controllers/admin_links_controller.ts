import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import LinkCatalogService from '#services/links/link_catalog_service'
import RequestOrigin from '#services/request_origin'
import {
  adminLinkListValidator,
  createLinkValidator,
  linkParamsValidator,
  updateLinkValidator,
} from '#validators/link'
import AdminLinkTransformer from '#transformers/admin_link_transformer'
import { listPage } from '#transformers/list_page'

/**
 * The link catalogue for admins: every link, to curate.
 */
@inject()
export default class AdminLinksController {
  constructor(protected links: LinkCatalogService) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(adminLinkListValidator, {
      data: ctx.request.qs(),
    })
    const result = await this.links.list(filters)
    return listPage(
      await ctx.serialize.withoutWrapping(AdminLinkTransformer.transform(result.all())),
      result
    )
  }

  async store(ctx: HttpContext) {
    const fields = await ctx.request.validateUsing(createLinkValidator)
    const link = await this.links.create(
      ctx.auth.getUserOrFail(),
      fields,
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(201)
    return ctx.serialize(AdminLinkTransformer.transform(link))
  }

  async show(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(linkParamsValidator, {
      data: { params: ctx.params },
    })
    const link = await this.links.find(params.id)
    return ctx.serialize(AdminLinkTransformer.transform(link))
  }

  async update(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(linkParamsValidator, {
      data: { params: ctx.params },
    })
    const changes = await ctx.request.validateUsing(updateLinkValidator)
    const link = await this.links.update(
      ctx.auth.getUserOrFail(),
      params.id,
      changes,
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.serialize(AdminLinkTransformer.transform(link))
  }

  async destroy(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(linkParamsValidator, {
      data: { params: ctx.params },
    })
    await this.links.delete(ctx.auth.getUserOrFail(), params.id, RequestOrigin.fromHttp(ctx))
    return ctx.response.noContent()
  }
}
