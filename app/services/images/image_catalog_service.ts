import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { errors as vineErrors } from '@vinejs/vine'
import Image, { type ImageDriver } from '#models/image'
import type User from '#models/user'
import type { Role } from '#models/role'
import type { AccessProtocol } from '#services/provisioning/provisioning_driver'
import AuditService from '#services/audit_service'
import type RequestOrigin from '#services/request_origin'
import { environmentNameProblem, environmentValueProblem } from '#domain/image_environment'
import NotFoundException from '#exceptions/not_found_exception'
import { guardUnique, lockedRow } from '#services/concurrent_writes'
import ConflictException from '#exceptions/conflict_exception'
import { DEFAULT_PULL_POLICY, type PullPolicy } from '#domain/image_pull_policy'
import {
  allowedToAnyOf,
  rolesOf,
  searchedByNameOrDescription,
  storedRoles,
} from '#services/catalogue/catalogue_queries'
import { applyChanges } from '#services/catalogue/changed_fields'
import { SimplePaginator } from '@adonisjs/lucid/database'
import { paginatePlainCountingLazily } from '#models/paginate_counting_lazily'
import { plainAttributes } from '#models/plain_attributes'
import { imageAttributes, type ImageColumns } from '#transformers/image_transformer'
import imagesConfig from '#config/images'

/**
 * An image as admins describe it, with sizes already parsed (see
 * resource_units.ts). Optional fields take their defaults on create.
 */
export type ImageFields = {
  name: string
  description?: string | null
  reference: string
  driver: ImageDriver
  protocol: AccessProtocol
  port: number
  /** Millicores. */
  cpu: number
  /** Bytes, more than zero. */
  memory: number
  /** Bytes; 0 by default. */
  storage?: number
  /** 0 by default. */
  gpus?: number
  /** {} by default; never PORTAL_* names. */
  environment?: Record<string, string>
  /** null (the image's own command) by default. */
  command?: string[] | null
  /** true by default. */
  requiresExperiment?: boolean
  /** false by default: most analysis images write to their own file system (/tmp stays writable when true). */
  readOnlyRootFilesystem?: boolean
  /** "if-not-present" by default. */
  pullPolicy?: PullPolicy
  /** true by default. */
  enabled?: boolean
  /** ["scientist"] (everyone) by default. */
  allowedRoles?: Role[]
  /** null (the site's lifetime) by default. */
  lifetimeHours?: number | null
  /** null (never stopped for idleness) by default. */
  idleLimitMinutes?: number | null
}

export type ImageFilters = {
  search?: string
  page?: number
  perPage?: number
}

export type AdminImageFilters = ImageFilters & {
  driver?: ImageDriver
  enabled?: boolean
}

/** Input field → model attribute; the order is the order of `changed` in the audit trail. */
const ATTRIBUTES = {
  name: 'name',
  description: 'description',
  reference: 'reference',
  driver: 'driver',
  protocol: 'protocol',
  port: 'port',
  cpu: 'cpuMillicores',
  memory: 'memoryBytes',
  storage: 'storageBytes',
  gpus: 'gpus',
  environment: 'environment',
  command: 'command',
  requiresExperiment: 'requiresExperiment',
  readOnlyRootFilesystem: 'readOnlyRootFilesystem',
  pullPolicy: 'pullPolicy',
  enabled: 'enabled',
  allowedRoles: 'allowedRoles',
  lifetimeHours: 'lifetimeHours',
  idleLimitMinutes: 'idleLimitMinutes',
} as const satisfies Record<keyof ImageFields, keyof Image>

type Field = keyof typeof ATTRIBUTES

/** What the scientists' catalogue reads of an image: what it shows, and who may launch it. */
const LAUNCHABLE_COLUMNS = [...imageAttributes, 'allowedRoles' as const].map(
  (attribute) => Image.$getColumn(attribute)!.columnName
)

/** An image of the scientists' catalogue, as a plain row read through the model's columns. */
export type LaunchableImage = ImageColumns & Pick<Image, 'allowedRoles'>

/** A page of the launchable images; `held`: cut from the catalogue held in memory. */
export type LaunchablePage = {
  page: { total: number; perPage: number; currentPage: number; lastPage: number }
  rows: LaunchableImage[]
  held: boolean
}

/** The enabled images as read at `readAt`, and the pages cut from them so far. */
type HeldCatalogue = {
  images: Promise<LaunchableImage[]>
  readAt: number
  pages: Map<string, LaunchablePage>
}

/** At most this many pages are kept per held catalogue. */
const HELD_PAGES = 256

/** A row of another table (environments) still points at the one being deleted. */
function isReferencedViolation(error: any) {
  return (
    error?.code === 'ER_ROW_IS_REFERENCED_2' ||
    error?.code === 'ER_ROW_IS_REFERENCED' ||
    error?.errno === 1451 ||
    error?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  )
}

function launchableImage(row: Record<string, unknown>) {
  return plainAttributes(Image, row) as LaunchableImage
}

function duplicateName(name: string) {
  return new ConflictException(`An image named "${name}" already exists`)
}

/** Keys sorted, so that two maps compare (and are stored) by content alone. */
function sortedEnvironment(environment: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(environment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  )
}

/**
 * The validators refuse PORTAL_* names (and values Guacamole cannot store)
 * already; checked here again because the rules protect the portal's own
 * variables and Guacamole's records whoever calls the service.
 */
function assertEnvironmentAllowed(environment: Record<string, string>) {
  for (const [key, value] of Object.entries(environment)) {
    const problem = environmentNameProblem(key)
    if (problem) {
      throw new vineErrors.E_VALIDATION_ERROR([
        {
          field: 'environment',
          message: `The environment field has a bad name: ${problem}`,
          rule: 'environmentName',
        },
      ])
    }
    const valueProblem = environmentValueProblem(key, value)
    if (valueProblem) {
      throw new vineErrors.E_VALIDATION_ERROR([
        { field: `environment.${key}`, message: valueProblem, rule: 'environmentValue' },
      ])
    }
  }
}

/** The value as stored: canonical forms of the JSON fields. */
function normalised<Key extends Field>(field: Key, value: ImageFields[Key]): unknown {
  if (field === 'environment') {
    const environment = value as Record<string, string>
    assertEnvironmentAllowed(environment)
    return sortedEnvironment(environment)
  }
  if (field === 'allowedRoles') {
    return storedRoles(value as Role[])
  }
  return value
}

/**
 * The image catalogue: admins curate it; users see the enabled images
 * their roles allow.
 */
@inject()
export default class ImageCatalogService {
  /** The enabled images as last read (one instance per process: providers/services_provider.ts). */
  #enabled: HeldCatalogue | null = null
  /** Counts admin edits, so that a read overtaken by one is not kept. */
  #generation = 0

  constructor(
    protected audit: AuditService,
    protected launchableCacheMs: number = imagesConfig.launchableCacheMs
  ) {}

  /**
   * Enabled images one of the user's roles may launch, by name, one page
   * at a time, as plain rows. Without a search the page is cut from the
   * enabled images held in memory (IMAGE_CATALOGUE_CACHE_SECONDS), and
   * `held` is true: then the same roles and page get the very same `rows`
   * (and paginator) until the catalogue is read again, so a caller may
   * keep what it makes of them (images_controller.ts keeps the JSON).
   */
  async listLaunchable(user: User, filters: ImageFilters): Promise<LaunchablePage> {
    const roles = await rolesOf(user)
    const page = filters.page ?? 1
    const perPage = filters.perPage ?? 20
    if (filters.search || this.launchableCacheMs === 0) {
      const found = await paginatePlainCountingLazily(
        allowedToAnyOf(this.searched(filters.search).where('enabled', true), roles)
          .select(LAUNCHABLE_COLUMNS)
          .orderBy('name', 'asc')
          .orderBy('id', 'asc'),
        page,
        perPage
      )
      return { page: found, rows: found.all().map(launchableImage), held: false }
    }
    const catalogue = this.#heldCatalogue()
    const enabled = await catalogue.images
    const key = `${[...roles].sort().join(' ')}|${page}|${perPage}`
    const cut = catalogue.pages.get(key)
    if (cut) {
      return cut
    }
    // The same rule as allowedToAnyOf, on the roles as the model reads them.
    const allowed = enabled.filter((image) =>
      image.allowedRoles.some((role) => roles.includes(role))
    )
    const rows = allowed.slice((page - 1) * perPage, page * perPage)
    const paginator = new SimplePaginator(allowed.length, perPage, page, ...rows)
    paginator.namingStrategy = Image.namingStrategy
    const made = { page: paginator, rows, held: true }
    // Role sets × pages are few; past the bound (a crawler's page numbers) pages are cut anew.
    if (catalogue.pages.size < HELD_PAGES) {
      catalogue.pages.set(key, made)
    }
    return made
  }

  /** The enabled images, by name: as held while fresh, else read (once) and held. */
  #heldCatalogue(): HeldCatalogue {
    const held = this.#enabled
    if (held && Date.now() - held.readAt < this.launchableCacheMs) {
      return held
    }
    const generation = this.#generation
    const images = Image.query()
      .where('enabled', true)
      .select(LAUNCHABLE_COLUMNS)
      .orderBy('name', 'asc')
      .orderBy('id', 'asc')
      .pojo<Record<string, unknown>>()
      .then((rows) => rows.map(launchableImage))
    const catalogue = { images, readAt: Date.now(), pages: new Map() }
    this.#enabled = catalogue
    images.then(
      // An edit while this read ran may not be in it: keep it for this request only.
      () => this.#generation !== generation && this.#forgetEnabled(images),
      () => this.#forgetEnabled(images)
    )
    return catalogue
  }

  #forgetEnabled(images: Promise<LaunchableImage[]>) {
    if (this.#enabled?.images === images) {
      this.#enabled = null
    }
  }

  /** After an admin's edit: the next read of the launchable images goes to the database. */
  protected catalogueChanged() {
    this.#generation++
    this.#enabled = null
  }

  /** Every image, disabled ones too, filtered, by name. */
  async list(filters: AdminImageFilters) {
    return this.searched(filters.search)
      .if(filters.driver, (query) => query.where('driver', filters.driver!))
      .if(filters.enabled !== undefined, (query) => query.where('enabled', filters.enabled!))
      .orderBy('name', 'asc')
      .orderBy('id', 'asc')
      .paginate(filters.page ?? 1, filters.perPage ?? 20)
  }

  /** One image, whether enabled or not. */
  async find(id: number) {
    const image = await Image.find(id)
    if (!image) {
      throw new NotFoundException(`Image ${id} not found`)
    }
    return image
  }

  /** Adds an image to the catalogue; a taken name is a conflict. */
  async create(actor: User | null, fields: ImageFields, origin: RequestOrigin) {
    const values = {
      name: fields.name,
      description: fields.description ?? null,
      reference: fields.reference,
      driver: fields.driver,
      protocol: fields.protocol,
      port: fields.port,
      cpuMillicores: fields.cpu,
      memoryBytes: fields.memory,
      storageBytes: fields.storage ?? 0,
      gpus: fields.gpus ?? 0,
      environment: normalised('environment', fields.environment ?? {}) as Record<string, string>,
      command: fields.command ?? null,
      requiresExperiment: fields.requiresExperiment ?? true,
      readOnlyRootFilesystem: fields.readOnlyRootFilesystem ?? false,
      pullPolicy: fields.pullPolicy ?? DEFAULT_PULL_POLICY,
      enabled: fields.enabled ?? true,
      allowedRoles: normalised('allowedRoles', fields.allowedRoles ?? ['scientist']) as Role[],
      lifetimeHours: fields.lifetimeHours ?? null,
      idleLimitMinutes: fields.idleLimitMinutes ?? null,
    }
    const image = await guardUnique(
      () =>
        db.transaction(async (trx) => {
          await this.assertNameFree(trx, fields.name, null)
          return Image.create(values, { client: trx })
        }),
      () => duplicateName(fields.name)
    )
    this.catalogueChanged()
    await this.audit.record({
      actor,
      action: 'image.create',
      outcome: 'success',
      origin,
      objectType: 'image',
      objectId: image.id,
      details: { name: image.name, reference: image.reference, driver: image.driver },
    })
    return this.find(image.id)
  }

  /**
   * Changes the given fields of an image (undefined = keep, null clears
   * description, command, lifetimeHours and idleLimitMinutes). Audits the names of the
   * fields that really changed; an unchanged request audits nothing.
   */
  async update(
    actor: User | null,
    id: number,
    changes: Partial<ImageFields>,
    origin: RequestOrigin
  ) {
    const nameTaken = changes.name ? () => duplicateName(changes.name!) : undefined
    const { image, changed } = await guardUnique(
      () =>
        db.transaction(async (trx) => {
          const found = await this.lock(trx, id)
          const fields = applyChanges(found, changes, ATTRIBUTES, normalised)
          if (fields.length === 0) {
            return { image: found, changed: fields }
          }
          if (fields.includes('name')) {
            await this.assertNameFree(trx, changes.name!, found.id)
          }
          await found.useTransaction(trx).save()
          return { image: found, changed: fields }
        }),
      nameTaken
    )
    if (changed.length > 0) {
      this.catalogueChanged()
      await this.audit.record({
        actor,
        action: 'image.update',
        outcome: 'success',
        origin,
        objectType: 'image',
        objectId: image.id,
        details: { name: image.name, changed },
      })
    }
    return this.find(image.id)
  }

  /**
   * Removes an image from the catalogue. One that environments still
   * reference is a conflict: the foreign key refuses the delete, and the
   * admin is told to disable the image instead.
   */
  async delete(actor: User | null, id: number, origin: RequestOrigin) {
    let image: Image
    try {
      image = await db.transaction(async (trx) => {
        const found = await this.lock(trx, id)
        await found.useTransaction(trx).delete()
        return found
      })
    } catch (error) {
      // The key answers for every table that references images, whether or not it exists yet.
      if (isReferencedViolation(error)) {
        throw new ConflictException(`Image ${id} is in use; disable it instead`)
      }
      throw error
    }
    this.catalogueChanged()
    await this.audit.record({
      actor,
      action: 'image.delete',
      outcome: 'success',
      origin,
      objectType: 'image',
      objectId: image.id,
      details: { name: image.name, reference: image.reference },
    })
  }

  /** Narrows the query to names or descriptions containing `search` (literally). */
  protected searched(search: string | undefined) {
    return searchedByNameOrDescription(Image.query(), search)
  }

  /** The image, locked for the rest of the transaction. */
  protected lock(trx: TransactionClientContract, id: number) {
    return lockedRow(Image.query({ client: trx }).where('id', id), () => {
      return new NotFoundException(`Image ${id} not found`)
    })
  }

  protected async assertNameFree(
    trx: TransactionClientContract,
    name: string,
    exceptId: number | null
  ) {
    const taken = await Image.query({ client: trx })
      .where('name', name)
      .if(exceptId !== null, (query) => query.whereNot('id', exceptId!))
      .first()
    if (taken) {
      throw duplicateName(name)
    }
  }
}
