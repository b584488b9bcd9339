import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import LinkCatalogService from '#services/links/link_catalog_service'
import RequestOrigin from '#services/request_origin'
import { linkListValidator, linkParamsValidator, openLinkValidator } from '#validators/link'
import LinkTransformer from '#transformers/link_transformer'
import { listPage } from '#transformers/list_page'

/**
 * Link resources as the signed-in user may open them. Opening is a POST
 * that answers the URL: it is audited (a GET must not change anything), and
 * the console opens the URL in a new tab while scripts read it.
 */
@inject()
export default class LinksController {
  constructor(protected links: LinkCatalogService) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(linkListValidator, { data: ctx.request.qs() })
    const result = await this.links.listOpenable(ctx.auth.getUserOrFail(), filters)
    return listPage(
      await ctx.serialize.withoutWrapping(LinkTransformer.transform(result.all())),
      result
    )
  }

  async open(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(linkParamsValidator, {
      data: { params: ctx.params },
    })
    const { experimentId } = await ctx.request.validateUsing(openLinkValidator)
    const { url } = await this.links.open(
      ctx.auth.getUserOrFail(),
      params.id,
      experimentId,
      RequestOrigin.fromHttp(ctx)
    )
    return { data: { url } }
  }
}
