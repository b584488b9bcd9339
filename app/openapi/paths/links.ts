import { dataOf, error, json, listOf, operation, ref, strict } from '#openapi/builder'
import { changed, created, deleted, found } from '#openapi/catalogue_answers'
import {
  adminLinkListValidator,
  createLinkValidator,
  linkListValidator,
  linkParamsValidator,
  openLinkValidator,
  updateLinkValidator,
} from '#validators/link'

const tag = 'Administration'

const openedLink = strict({
  url: {
    type: 'string',
    format: 'uri',
    description:
      "The link's URL, with the experiment's proposal id (percent-encoded) in place of {proposal}; always on the origin the admin stored.",
    examples: ['https://logbook.example.org/proposals/DEMO-0001/entries'],
  },
})

export const linkPaths = {
  'GET /api/v1/links': operation('Links', 'listLinks', {
    summary: 'Links I may open',
    description:
      "Enabled link resources (web services that are not containers: e-logbooks, data catalogues, JupyterHubs) whose allowedRoles include one of the caller's roles, by name. Beside GET /api/v1/images: links take no quota and are opened, not launched.",
    query: linkListValidator,
    responses: { 200: json('Links', listOf('Link')) },
  }),
  'POST /api/v1/links/{id}/open': operation('Links', 'openLink', {
    summary: 'Open a link',
    description:
      'Answers the URL to open (the console opens it in a new tab) and audits `link.open`. A link that requires an experiment needs `experimentId`, one of the caller’s experiments; with proposalTemplate, its proposal id fills {proposal}. A disabled link, one the caller’s roles do not allow, and another user’s experiment all answer 404 like a missing one. A POST, not a GET that redirects: opening is recorded, and a GET must change nothing.',
    params: linkParamsValidator,
    body: openLinkValidator,
    bodyOptional: true,
    responses: {
      200: json('The URL to open', dataOf(openedLink)),
      404: ref('NotFound'),
      409: error('The proposal id cannot stand in a URL (E_CONFLICT)'),
    },
  }),
  'GET /api/v1/admin/links': operation(tag, 'adminListLinks', {
    summary: 'Every link, disabled ones too (admins only)',
    description: 'By name; search matches part of the name or description.',
    query: adminLinkListValidator,
    responses: { 200: json('Links, by name', listOf('AdminLink')) },
  }),
  'POST /api/v1/admin/links': operation(tag, 'adminCreateLink', {
    summary: 'Add a link to the catalogue (admins only)',
    description:
      'The URL is an absolute http(s) URL whose host is written plainly; "{proposal}" may appear in its path or query only with proposalTemplate true (which needs requiresExperiment, its default then). Names are unique.',
    body: createLinkValidator,
    responses: created('AdminLink'),
  }),
  'GET /api/v1/admin/links/{id}': operation(tag, 'adminGetLink', {
    summary: 'A link (admins only)',
    description: 'With its URL and who may open it.',
    params: linkParamsValidator,
    responses: found('The link', 'AdminLink'),
  }),
  'PATCH /api/v1/admin/links/{id}': operation(tag, 'adminUpdateLink', {
    summary: 'Change a link (admins only)',
    description:
      'Only the fields sent change; null clears the description. The URL is checked again with the resulting proposalTemplate. `enabled: false` hides the link from users.',
    params: linkParamsValidator,
    body: updateLinkValidator,
    responses: changed('The changed link', 'AdminLink'),
  }),
  'DELETE /api/v1/admin/links/{id}': operation(tag, 'adminDeleteLink', {
    summary: 'Remove a link from the catalogue (admins only)',
    description: 'The audit trail keeps its opening records.',
    params: linkParamsValidator,
    responses: deleted(),
  }),
}
