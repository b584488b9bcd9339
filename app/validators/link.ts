import vine from '@vinejs/vine'
import {
  adminCatalogueListFields,
  allowedRoles,
  catalogueDescription,
  catalogueListFields,
  catalogueName,
  catalogueParamsValidator,
  flag,
} from '#validators/catalogue_fields'
import { asciiLinkTemplate, linkTemplateProblem, MAX_LINK_URL_LENGTH } from '#domain/link_template'

/**
 * The URL alone: whether `{proposal}` may appear depends on
 * `proposalTemplate`, which the service checks against the stored link too
 * (an update may send one without the other). Here a placeholder is taken
 * as allowed, so that every other problem is reported at once.
 */
const urlRule = vine.createRule((value: unknown, _options: undefined, field) => {
  if (typeof value !== 'string') {
    return
  }
  const allowProposal = value.includes('{proposal}')
  const problem = linkTemplateProblem(asciiLinkTemplate(value), allowProposal)
  if (problem) {
    field.report(`The {{ field }} field ${problem}`, 'linkUrl', field)
  }
})

const url = () =>
  vine
    .string()
    .trim()
    .maxLength(MAX_LINK_URL_LENGTH)
    .use(urlRule())
    // Stored and compared as browsers reach it: an internationalised host in punycode.
    .transform(asciiLinkTemplate)
    .meta({
      description:
        'An absolute http:// or https:// URL, its host written plainly (no credentials, escapes or backslashes); an internationalised host name is stored in its ASCII (punycode) form. With proposalTemplate, "{proposal}" in its path or query stands for the proposal id of the experiment the link is opened for, percent-encoded.',
      examples: ['https://logbook.example.org/proposals/{proposal}/entries'],
    })

/** The links users may open. */
export const linkListValidator = vine.create(catalogueListFields)

/** Every link, for admins. */
export const adminLinkListValidator = vine.create(adminCatalogueListFields)

/** The fields a link may go without on create too, with their defaults (see LinkFields). */
const optionalFields = () => ({
  proposalTemplate: flag().optional(),
  requiresExperiment: flag().optional(),
  enabled: flag().optional(),
  allowedRoles: allowedRoles('open the link'),
})

/** A new link; requiresExperiment defaults to proposalTemplate. */
export const createLinkValidator = vine.create({
  name: catalogueName(),
  description: catalogueDescription(),
  url: url(),
  ...optionalFields(),
})

/** Changes to a link: only the fields sent change; null clears the description. */
export const updateLinkValidator = vine.create({
  name: catalogueName().optional(),
  description: catalogueDescription(),
  url: url().optional(),
  ...optionalFields(),
})

/** Opening a link: for which of the caller's experiments (needed when the link requires one). */
export const openLinkValidator = vine.create({
  experimentId: vine.number().withoutDecimals().positive().max(2_147_483_647).optional(),
})

export const linkParamsValidator = catalogueParamsValidator
