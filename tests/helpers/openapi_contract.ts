import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { openApiDocument } from '#openapi/document'

/**
 * Checks real requests and responses against the OpenAPI document, so the
 * document cannot drift from the server.
 */
const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats.default(ajv)
ajv.addFormat('password', true)
ajv.addSchema(openApiDocument, 'openapi')

const document = openApiDocument as any

type Operation = { pathTemplate: string; operation: any }

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}))

/** The documented operation for a concrete method and path, if any. */
export function findOperation(method: string, path: string): Operation | null {
  const match = templates.find(({ pattern }) => pattern.test(path))
  if (!match) {
    return null
  }
  const operation = document.paths[match.template][method.toLowerCase()]
  return operation ? { pathTemplate: match.template, operation } : null
}

function pointerSegment(value: string) {
  return value.replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * Returns a list of problems (empty when the response matches): an
 * undocumented status, or a JSON body that breaks the documented schema.
 */
export function contractProblems(
  method: string,
  path: string,
  status: number,
  contentType: string | undefined,
  body: unknown
): string[] {
  const found = findOperation(method, path)
  if (!found) {
    return [`${method} ${path} is not in the OpenAPI document`]
  }
  const { pathTemplate, operation } = found
  let response = operation.responses[String(status)]
  let pointer = `/paths/${pointerSegment(pathTemplate)}/${method.toLowerCase()}/responses/${status}`
  if (!response) {
    return [`${method} ${pathTemplate} answered ${status}, which the document does not list`]
  }
  if (response.$ref) {
    const name = response.$ref.split('/').pop()
    response = document.components.responses[name]
    pointer = `/components/responses/${pointerSegment(name)}`
  }
  const schema = response.content?.['application/json']?.schema
  if (!schema) {
    return []
  }
  if (!contentType?.includes('application/json')) {
    return [`${method} ${pathTemplate} ${status}: expected JSON, got ${contentType}`]
  }
  const validate = ajv.getSchema(`openapi#${pointer}/content/application~1json/schema`)
  if (!validate) {
    return [`cannot compile the schema at ${pointer}`]
  }
  if (validate(body)) {
    return []
  }
  return (validate.errors ?? []).map(
    (error) =>
      `${method} ${pathTemplate} ${status}: ${error.instancePath || '(body)'} ${error.message}`
  )
}

/**
 * Returns a list of problems (empty when fine) with a JSON request body the
 * server accepted (any answer below 400): the document must describe it,
 * so a body the validators take cannot break the published schema, and an
 * operation that needs a body must say so.
 */
export function requestProblems(
  method: string,
  path: string,
  status: number,
  body: unknown
): string[] {
  const found = findOperation(method, path)
  if (!found || status >= 400) {
    return []
  }
  const { pathTemplate, operation } = found
  const where = `${method} ${pathTemplate} (answered ${status})`
  const schema = operation.requestBody?.content?.['application/json']?.schema
  if (body === undefined) {
    return operation.requestBody?.required && schema ? [`${where}: accepted no body`] : []
  }
  if (!schema) {
    return [`${where}: accepted a JSON body the document does not describe`]
  }
  const pointer = `/paths/${pointerSegment(pathTemplate)}/${method.toLowerCase()}/requestBody/content/application~1json/schema`
  const validate = ajv.getSchema(`openapi#${pointer}`)
  if (!validate) {
    return [`cannot compile the schema at ${pointer}`]
  }
  if (validate(body)) {
    return []
  }
  return (validate.errors ?? []).map(
    (error) => `${where}: request ${error.instancePath || '(body)'} ${error.message}`
  )
}
