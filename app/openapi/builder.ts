/**
 * Builds operations of the OpenAPI document from the code: request bodies,
 * query and path parameters come from the VineJS validators the controllers
 * run (`toJSONSchema()`), so a limit is written once, in the validator. The
 * standard error answers are added from what an operation takes.
 */

type Schema = Record<string, any>
type Validator = { toJSONSchema(): object }
export type Response = Schema

/** VineJS drops unknown properties instead of refusing them: say so in the schema. */
function acceptingUnknownProperties(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(acceptingUnknownProperties)
  }
  if (node === null || typeof node !== 'object') {
    return node
  }
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
      .map(([key, value]) => [key, acceptingUnknownProperties(value)])
  )
}

/** The JSON Schema of what a validator accepts. */
export function requestSchema(validator: Validator): Schema {
  return acceptingUnknownProperties(validator.toJSONSchema()) as Schema
}

function parametersOf(schema: Schema, location: 'query' | 'path') {
  const required: string[] = schema.required ?? []
  return Object.entries<Schema>(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property
    return {
      name,
      in: location,
      ...(location === 'path' || required.includes(name) ? { required: true } : {}),
      ...(description ? { description } : {}),
      schema: rest,
    }
  })
}

/** `{description, content: {application/json: {schema}}}` */
export function json(description: string, schema: Schema): Response {
  return { description, content: { 'application/json': { schema } } }
}

export function schemaRef(name: string) {
  return { $ref: `#/components/schemas/${name}` }
}

function named(schema: Schema | string) {
  return typeof schema === 'string' ? schemaRef(schema) : schema
}

/** A strict object schema: `properties` are required, `optional` ones may be left out. */
export function strict(
  properties: Record<string, Schema>,
  { description, optional = {} }: { description?: string; optional?: Record<string, Schema> } = {}
): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    ...(description ? { description } : {}),
    required: Object.keys(properties),
    properties: { ...properties, ...optional },
  }
}

/** `{data: <schema>}`; a string names a component schema. */
export function dataOf(schema: Schema | string): Schema {
  return strict({ data: named(schema) })
}

/** `{data: [<schema>], meta}`; a string names a component schema. */
export function listOf(schema: Schema | string, meta: Schema = schemaRef('ListMeta')): Schema {
  return strict({ data: { type: 'array', items: named(schema) }, meta })
}

/** An error answer in the documented shape; the description names its codes. */
export function error(description: string): Response {
  return json(description, schemaRef('ErrorBody'))
}

export function ref(name: string): Response {
  return { $ref: `#/components/responses/${name}` }
}

/**
 * The answers of an operation on one object named in its path: its own
 * success answers, 404 when the object is missing (or not the caller's to
 * see), and `conflict` as the 409 when its state can refuse the change.
 */
export function onOneObject(
  success: Record<number, Response>,
  conflict?: Response
): Record<number, Response> {
  const answers: Record<number, Response> = { ...success, 404: ref('NotFound') }
  if (conflict) {
    answers[409] = conflict
  }
  return answers
}

export const html = (description: string): Response => ({
  description,
  content: { 'text/html': {} },
})

type Operation = {
  summary: string
  description: string
  /** Who may call it; signed-in callers by default. */
  security?: 'public' | 'signedIn' | 'browserSession' | 'metrics'
  body?: Validator
  /** Whether the body may be left out (everything in it optional). */
  bodyOptional?: boolean
  /** A hand-written request body (form posts the browser makes). */
  requestBody?: Schema
  query?: Validator
  params?: Validator
  /** Path parameters without a validator (file names of static assets). */
  parameters?: Schema[]
  responses: Record<number, Response>
}

const SECURITY = {
  public: [],
  signedIn: [{ cookieSession: [] }, { bearerToken: [] }],
  browserSession: [{ cookieSession: [] }],
  metrics: [{ metricsToken: [] }],
}

/**
 * One operation under `tag`; `id` is its operationId (stable, camelCase,
 * unique: generated clients name their methods after it). Adds the answers
 * every such operation can give: 401, 403 and 503 when signed in; 400, 413
 * and 422 with a JSON body; 422 when a query or path is validated. The
 * operation's own answers win.
 */
export function operation(tag: string, id: string, spec: Operation) {
  const security = spec.security ?? 'signedIn'
  const parameters = [
    ...(spec.params
      ? parametersOf(requestSchema(spec.params).properties.params, 'path')
      : (spec.parameters ?? [])),
    ...(spec.query ? parametersOf(requestSchema(spec.query), 'query') : []),
  ]
  const body = spec.body
    ? {
        required: !spec.bodyOptional,
        content: { 'application/json': { schema: requestSchema(spec.body) } },
      }
    : spec.requestBody
  return {
    operationId: id,
    tags: [tag],
    summary: spec.summary,
    description: spec.description,
    security: SECURITY[security],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: {
      ...(spec.body ? { 400: ref('InvalidJson'), 413: ref('PayloadTooLarge') } : {}),
      ...(spec.body || spec.query || spec.params ? { 422: ref('ValidationFailed') } : {}),
      ...(security === 'signedIn' || security === 'browserSession'
        ? { 401: ref('Unauthenticated'), 403: ref('Forbidden'), 503: ref('ServiceUnavailable') }
        : {}),
      ...spec.responses,
    },
  }
}

/** The `paths` object of operations keyed "METHOD /path", in their order. */
export function pathsOf(operations: Record<string, object>) {
  const paths: Record<string, Record<string, object>> = {}
  for (const [key, item] of Object.entries(operations)) {
    const [method, path] = key.split(' ')
    paths[path] = { ...paths[path], [method.toLowerCase()]: item }
  }
  return paths
}
