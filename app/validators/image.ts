import vine from '@vinejs/vine'
import { ACCESS_PROTOCOLS, IMAGE_DRIVERS } from '#models/image'
import {
  adminCatalogueListFields,
  allowedRoles,
  catalogueDescription,
  catalogueListFields,
  catalogueName,
  catalogueParamsValidator,
  flag,
} from '#validators/catalogue_fields'
import { parseBytes, parseGpus, parseMillicores } from '#domain/resource_units'
import {
  asNumber,
  bytesSchema,
  gpusSchema,
  MILLICORES_SCHEMA,
  unitRule,
} from '#validators/unit_rule'
import { isImageReference, MAX_REFERENCE_LENGTH } from '#domain/docker_reference'
import { environmentNameProblem, environmentValueProblem } from '#domain/image_environment'
import { PULL_POLICIES } from '#domain/image_pull_policy'

/** Longest per-image lifetime an admin may set: a year (launches also obey the site's maximum). */
export const MAX_IMAGE_LIFETIME_HOURS = 8760

// TEXT columns hold 65,535 bytes; JSON values are checked against that once encoded.
const MAX_TEXT_BYTES = 65_535

const bytesRule = unitRule((input) => parseBytes(input), 'bytes', bytesSchema(0))
const positiveBytesRule = unitRule(
  (input) => parseBytes(input, { positive: true }),
  'bytes',
  bytesSchema(1)
)
const millicoresRule = unitRule(parseMillicores, 'millicores', MILLICORES_SCHEMA)
const gpusRule = unitRule(parseGpus, 'gpus', gpusSchema())

const referenceRule = vine.createRule((value: unknown, _options: undefined, field) => {
  if (typeof value === 'string' && !isImageReference(value)) {
    field.report(
      'The {{ field }} field must be an image reference such as "registry.example.org/team/image:tag" (lowercase repository, optional tag and @sha256 digest)',
      'imageReference',
      field
    )
  }
})

/** A JSON column must fit its TEXT column once encoded. */
const fitsTextRule = vine.createRule((value: unknown, _options: undefined, field) => {
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_TEXT_BYTES) {
    field.report('The {{ field }} field is too large', 'fitsText', field)
  }
})

const reference = () =>
  vine
    .string()
    .trim()
    .maxLength(MAX_REFERENCE_LENGTH)
    .use(referenceRule())
    .meta({
      description:
        'Docker image / pod image reference: [host[:port]/]lowercase/path[:tag][@sha256:<64 hex>].',
      examples: ['registry.example.org/team/jupyter:2024.1'],
    })
const driver = () => vine.enum(IMAGE_DRIVERS)
const protocol = () => vine.enum(ACCESS_PROTOCOLS)
const port = () => vine.number().withoutDecimals().min(1).max(65_535)
const cpu = () => vine.any().use(millicoresRule()).transform(asNumber)
const memory = () => vine.any().use(positiveBytesRule()).transform(asNumber)
const storage = () => vine.any().use(bytesRule()).transform(asNumber)
const gpus = () => vine.any().use(gpusRule()).transform(asNumber)

// No NUL: neither Docker nor a POSIX environment can carry one.
const noNul = /^[^\0]*$/

/** Values the portal passes on elsewhere (REMOTE_USER to Guacamole) obey that system's rules. */
const variableValueRule = vine.createRule((value: unknown, _options: undefined, field) => {
  const problem =
    typeof value === 'string' ? environmentValueProblem(String(field.name), value) : null
  if (problem) {
    field.report(problem, 'environmentValue', field)
  }
})

const environment = () =>
  vine
    .record(vine.string().maxLength(8192).regex(noNul).use(variableValueRule()))
    .maxLength(200)
    .validateKeys((keys, field) => {
      for (const key of keys) {
        const problem = environmentNameProblem(key)
        if (problem) {
          field.report(`The {{ field }} field has a bad name: ${problem}`, 'environmentName', field)
          return
        }
      }
    })
    .use(fitsTextRule())
    .optional()
    .meta({ description: 'Variables for the container. Names starting with PORTAL_ are refused.' })

const command = () =>
  vine
    .array(vine.string().minLength(1).maxLength(8192).regex(noNul))
    .minLength(1)
    .maxLength(256)
    .use(fitsTextRule())
    .nullable()
    .optional()
    .meta({
      description: "Overrides the image's command; null (the default) keeps the image's own.",
    })

const lifetimeHours = () =>
  vine.number().withoutDecimals().min(1).max(MAX_IMAGE_LIFETIME_HOURS).nullable().optional()

/** Up to 30 days; null: never stopped for idleness. */
const idleLimitMinutes = () =>
  vine.number().withoutDecimals().min(5).max(43_200).nullable().optional()

/** The catalogue as users see it: what they may launch. */
export const imageListValidator = vine.create(catalogueListFields)

/** Every image, for admins. */
export const adminImageListValidator = vine.create({
  ...catalogueListFields,
  driver: driver().optional(),
  enabled: adminCatalogueListFields.enabled,
})

/** The fields an image may go without on create too, with their defaults (see ImageFields). */
const optionalFields = () => ({
  storage: storage().optional(),
  gpus: gpus().optional(),
  environment: environment(),
  command: command(),
  requiresExperiment: flag().optional(),
  readOnlyRootFilesystem: flag().optional(),
  pullPolicy: vine.enum(PULL_POLICIES).optional(),
  enabled: flag().optional(),
  allowedRoles: allowedRoles('launch the image'),
  lifetimeHours: lifetimeHours(),
  idleLimitMinutes: idleLimitMinutes(),
})

/**
 * A new image. cpu, memory and storage take units ("1.5", "500m", "4Gi");
 * the output holds millicores and bytes.
 */
export const createImageValidator = vine.create({
  name: catalogueName(),
  description: catalogueDescription(),
  reference: reference(),
  driver: driver(),
  protocol: protocol(),
  port: port(),
  cpu: cpu(),
  memory: memory(),
  ...optionalFields(),
})

/** Changes to an image: only the fields sent change; null clears the nullable ones. */
export const updateImageValidator = vine.create({
  name: catalogueName().optional(),
  description: catalogueDescription(),
  reference: reference().optional(),
  driver: driver().optional(),
  protocol: protocol().optional(),
  port: port().optional(),
  cpu: cpu().optional(),
  memory: memory().optional(),
  ...optionalFields(),
})

export const imageParamsValidator = catalogueParamsValidator
