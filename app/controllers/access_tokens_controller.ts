import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import AccessTokenService from '#services/accounts/access_token_service'
import { assertedAt } from '#services/auth/saml/saml_admin_freshness'
import RequestOrigin from '#services/request_origin'
import { paginationValidator } from '#validators/pagination'
import { accessTokenParamsValidator, createAccessTokenValidator } from '#validators/access_token'
import AccessTokenTransformer from '#transformers/access_token_transformer'
import { listPage } from '#transformers/list_page'

/**
 * Personal API tokens of the signed-in user.
 */
@inject()
export default class AccessTokensController {
  constructor(protected tokens: AccessTokenService) {}

  async index(ctx: HttpContext) {
    const { page = 1, perPage = 20 } = await ctx.request.validateUsing(paginationValidator, {
      data: ctx.request.qs(),
    })
    const result = await this.tokens.list(ctx.auth.getUserOrFail(), page, perPage)
    return listPage(
      await ctx.serialize.withoutWrapping(AccessTokenTransformer.transform(result.all())),
      result
    )
  }

  async store(ctx: HttpContext) {
    const fields = await ctx.request.validateUsing(createAccessTokenValidator)
    const user = ctx.auth.getUserOrFail()
    const token = await this.tokens.create(
      user,
      {
        ...fields,
        viaToken: user.currentAccessToken !== undefined,
        samlAssertedAt: user.currentAccessToken
          ? null
          : assertedAt(ctx.session.get('saml') ?? ctx.session.get('oidc'), user),
      },
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(201)
    return {
      data: {
        id: Number(token.identifier),
        name: token.name,
        scopes: token.abilities,
        token: token.value!.release(),
        createdAt: token.createdAt.toISOString(),
        expiresAt: token.expiresAt?.toISOString() ?? null,
      },
    }
  }

  async destroy(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(accessTokenParamsValidator, {
      data: { params: ctx.params },
    })
    await this.tokens.revoke(ctx.auth.getUserOrFail(), params.id, RequestOrigin.fromHttp(ctx))
    return ctx.response.noContent()
  }
}
