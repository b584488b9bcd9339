import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { errors as vineErrors } from '@vinejs/vine'
import LinkResource from '#models/link_resource'
import ExperimentMember from '#models/experiment_member'
import Experiment from '#models/experiment'
import type User from '#models/user'
import type { Role } from '#models/role'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import { guardUnique, lockedRow } from '#services/concurrent_writes'
import experimentsConfig from '#config/experiments'
import {
  asciiLinkTemplate,
  encodedProposal,
  expandLinkTemplate,
  linkTemplateProblem,
} from '#domain/link_template'
import NotFoundException from '#exceptions/not_found_exception'
import ConflictException from '#exceptions/conflict_exception'
import {
  allowedToAnyOf,
  rolesOf,
  searchedByNameOrDescription,
  storedRoles,
} from '#services/catalogue/catalogue_queries'
import { applyChanges } from '#services/catalogue/changed_fields'

/** A link as admins describe it; optional fields take their defaults on create. */
export type LinkFields = {
  name: string
  description?: string | null
  url: string
  /** false by default: `{proposal}` is refused in the URL. */
  proposalTemplate?: boolean
  /** Defaults to proposalTemplate (a templated link always needs an experiment). */
  requiresExperiment?: boolean
  /** true by default. */
  enabled?: boolean
  /** ["scientist"] (everyone) by default. */
  allowedRoles?: Role[]
}

export type LinkFilters = { search?: string; page?: number; perPage?: number }

export type AdminLinkFilters = LinkFilters & { enabled?: boolean }

/** Input field → model attribute; the order is the order of `changed` in the audit trail. */
const ATTRIBUTES = {
  name: 'name',
  description: 'description',
  url: 'url',
  proposalTemplate: 'proposalTemplate',
  requiresExperiment: 'requiresExperiment',
  enabled: 'enabled',
  allowedRoles: 'allowedRoles',
} as const satisfies Record<keyof LinkFields, keyof LinkResource>

type Field = keyof typeof ATTRIBUTES

type Stored = Pick<LinkResource, 'url' | 'proposalTemplate' | 'requiresExperiment'>

function invalid(field: string, message: string, rule: string) {
  return new vineErrors.E_VALIDATION_ERROR([{ field, message, rule }])
}

/**
 * The validators check the URL already; checked here again, on the values
 * a link ends up with (an update may change the flag and not the URL),
 * because no caller of the service may store a template that could leave
 * its origin.
 */
function assertCoherent(link: Stored) {
  const problem = linkTemplateProblem(link.url, link.proposalTemplate)
  if (problem) {
    throw invalid(
      'url',
      `The url field ${problem}`,
      link.proposalTemplate ? 'proposalTemplate' : 'linkUrl'
    )
  }
  if (link.proposalTemplate && !link.requiresExperiment) {
    throw invalid(
      'requiresExperiment',
      'The requiresExperiment field must be true for a link with proposalTemplate (the proposal comes from the chosen experiment)',
      'proposalTemplate'
    )
  }
}

function duplicateName(name: string) {
  return new ConflictException(`A link named "${name}" already exists`)
}

/** A field's value as stored: roles once each, an internationalised host in punycode. */
function normalised(field: Field, value: unknown): unknown {
  if (field === 'allowedRoles') {
    return storedRoles(value as Role[])
  }
  return field === 'url' ? asciiLinkTemplate(value as string) : value
}

/**
 * The catalogue of link resources: admins curate it; users see the enabled
 * links their roles allow and open them, for one of their experiments when
 * the link needs one. Opening is audited and never yields anything but the
 * admin's origin.
 */
@inject()
export default class LinkCatalogService {
  constructor(
    protected audit: AuditService,
    protected memberships: ExperimentSyncService
  ) {}

  /** Enabled links one of the user's roles may open, by name, one page at a time. */
  async listOpenable(user: User, filters: LinkFilters) {
    const roles = await rolesOf(user)
    return allowedToAnyOf(this.#searched(filters.search).where('enabled', true), roles)
      .orderBy('name', 'asc')
      .orderBy('id', 'asc')
      .paginate(filters.page ?? 1, filters.perPage ?? 20)
  }

  /** Every link, disabled ones too, by name. */
  list(filters: AdminLinkFilters) {
    return this.#searched(filters.search)
      .if(filters.enabled !== undefined, (query) => query.where('enabled', filters.enabled!))
      .orderBy('name', 'asc')
      .orderBy('id', 'asc')
      .paginate(filters.page ?? 1, filters.perPage ?? 20)
  }

  /** One link, enabled or not. */
  async find(id: number) {
    const link = await LinkResource.find(id)
    if (!link) {
      throw new NotFoundException(`Link ${id} not found`)
    }
    return link
  }

  /**
   * The URL of a link for the user: the link must be enabled and allowed to
   * one of their roles, the experiment (needed when the link requires one)
   * theirs; anything else is "not found", like a missing link. Audited as
   * `link.open`.
   */
  async open(user: User, id: number, experimentId: number | undefined, origin: RequestOrigin) {
    const link = await LinkResource.query().where('id', id).where('enabled', true).first()
    const roles = await rolesOf(user)
    if (!link || !link.allowedRoles.some((role) => roles.includes(role))) {
      throw new NotFoundException('No such link')
    }
    if (link.requiresExperiment && experimentId === undefined) {
      throw invalid(
        'experimentId',
        'This link is opened for one of your experiments: give experimentId',
        'required'
      )
    }
    const experiment = experimentId === undefined ? null : await this.#mine(user, experimentId)
    let url: string
    if (link.proposalTemplate) {
      if (encodedProposal(experiment!.proposalId) === null) {
        throw new ConflictException(
          `Proposal "${experiment!.proposalId}" cannot stand in a URL; ask the facility`
        )
      }
      url = expandLinkTemplate(link.url, experiment!.proposalId)
    } else {
      url = expandLinkTemplate(link.url, null)
    }
    await this.#record(user, 'open', link, origin, {
      experimentId: experiment?.id ?? null,
      proposalId: experiment?.proposalId ?? null,
    })
    return { url, link, experiment }
  }

  /** Adds a link to the catalogue; a taken name is a conflict. */
  async create(actor: User | null, fields: LinkFields, origin: RequestOrigin) {
    const proposalTemplate = fields.proposalTemplate ?? false
    const values = {
      name: fields.name,
      description: fields.description ?? null,
      url: normalised('url', fields.url) as string,
      proposalTemplate,
      requiresExperiment: fields.requiresExperiment ?? proposalTemplate,
      enabled: fields.enabled ?? true,
      allowedRoles: normalised('allowedRoles', fields.allowedRoles ?? ['scientist']) as Role[],
    }
    assertCoherent(values)
    const link = await guardUnique(
      () =>
        db.transaction(async (trx) => {
          await this.#assertNameFree(trx, fields.name, null)
          return LinkResource.create(values, { client: trx })
        }),
      () => duplicateName(fields.name)
    )
    await this.#record(actor, 'create', link, origin, {
      url: link.url,
      proposalTemplate: link.proposalTemplate,
    })
    return this.find(link.id)
  }

  /**
   * Changes the given fields of a link (undefined = keep, null clears the
   * description). Audits the names of the fields that really changed, and
   * the new URL when it is one of them; an unchanged request audits nothing.
   */
  async update(
    actor: User | null,
    id: number,
    changes: Partial<LinkFields>,
    origin: RequestOrigin
  ) {
    const { link, changed } = await guardUnique(
      () =>
        db.transaction(async (trx) => {
          const found = await this.#lock(trx, id)
          const fields = applyChanges(found, changes, ATTRIBUTES, normalised)
          if (fields.length === 0) {
            return { link: found, changed: fields }
          }
          if (fields.includes('name')) {
            await this.#assertNameFree(trx, changes.name!, found.id)
          }
          assertCoherent(found)
          await found.useTransaction(trx).save()
          return { link: found, changed: fields }
        }),
      changes.name ? () => duplicateName(changes.name!) : undefined
    )
    if (changed.length > 0) {
      await this.#record(actor, 'update', link, origin, {
        changed,
        ...(changed.includes('url') ? { url: link.url } : {}),
      })
    }
    return this.find(link.id)
  }

  /** Removes a link from the catalogue (nothing refers to links; disabling hides one instead). */
  async delete(actor: User | null, id: number, origin: RequestOrigin) {
    const link = await db.transaction(async (trx) => {
      const found = await this.#lock(trx, id)
      await found.useTransaction(trx).delete()
      return found
    })
    await this.#record(actor, 'delete', link, origin, { url: link.url })
  }

  /** Audits a successful `link.<verb>`; the details name the link first. */
  #record(
    actor: User | null,
    verb: 'open' | 'create' | 'update' | 'delete',
    link: LinkResource,
    origin: RequestOrigin,
    details: Record<string, unknown>
  ) {
    return this.audit.record({
      actor,
      action: `link.${verb}`,
      outcome: 'success',
      origin,
      objectType: 'link',
      objectId: link.id,
      details: { name: link.name, ...details },
    })
  }

  /** One of the user's experiments (memberships re-synced when old, as launches do); else 404. */
  async #mine(user: User, experimentId: number) {
    await this.memberships.ensureFresh(user, experimentsConfig.launchMembershipMaxAgeMs)
    const member = await ExperimentMember.query()
      .where('user_id', user.id)
      .where('experiment_id', experimentId)
      .first()
    const experiment = member ? await Experiment.find(experimentId) : null
    if (!experiment) {
      throw new NotFoundException('No such experiment')
    }
    return experiment
  }

  /** Links whose name or description contains `search` (literally). */
  #searched(search: string | undefined) {
    return searchedByNameOrDescription(LinkResource.query(), search)
  }

  /** The link, locked for the rest of the transaction. */
  #lock(trx: TransactionClientContract, id: number) {
    return lockedRow(
      LinkResource.query({ client: trx }).where('id', id),
      () => new NotFoundException(`Link ${id} not found`)
    )
  }

  async #assertNameFree(trx: TransactionClientContract, name: string, exceptId: number | null) {
    const taken = await LinkResource.query({ client: trx })
      .where('name', name)
      .if(exceptId !== null, (query) => query.whereNot('id', exceptId!))
      .first()
    if (taken) {
      throw duplicateName(name)
    }
  }
}
