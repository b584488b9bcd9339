import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import ExperimentMemberService from '#services/experiments/experiment_member_service'
import RequestOrigin from '#services/request_origin'
import { memberParamsValidator, memberValidator } from '#validators/local_experiment'
import ExperimentMemberTransformer from '#transformers/experiment_member_transformer'

/**
 * Members of local experiments, for admins.
 */
@inject()
export default class AdminExperimentMembersController {
  constructor(protected members: ExperimentMemberService) {}

  /** PUT: adds the user, or sets their role when already a member. */
  async update(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(memberParamsValidator, {
      data: { params: ctx.params },
    })
    const { role = 'member' } = await ctx.request.validateUsing(memberValidator)
    const { member, outcome } = await this.members.add(
      ctx.auth.getUserOrFail(),
      { id: params.id },
      { id: params.userId },
      role,
      RequestOrigin.fromHttp(ctx)
    )
    ctx.response.status(outcome === 'created' ? 201 : 200)
    return ctx.serialize(ExperimentMemberTransformer.transform(member))
  }

  async destroy(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(memberParamsValidator, {
      data: { params: ctx.params },
    })
    await this.members.remove(
      ctx.auth.getUserOrFail(),
      { id: params.id },
      { id: params.userId },
      RequestOrigin.fromHttp(ctx)
    )
    return ctx.response.noContent()
  }
}
