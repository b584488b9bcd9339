import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'

/** One entry of the API's error envelope `{"errors": [...]}`. */
export type ApiErrorEntry = {
  code: string
  message: string
  field?: string
  meta?: Record<string, unknown>
}

/** A refused or failed call, carrying the API's error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiErrorEntry[]
  ) {
    super(errors.map((error) => error.message).join(' '))
  }

  get code() {
    return this.errors[0]?.code ?? 'E_UNKNOWN'
  }

  /** The message about one input field (422), if any. */
  forField(field: string) {
    return this.errors.find((error) => error.field === field)?.message
  }
}

function envelopeOf(status: number, body: unknown): ApiError {
  const errors = (body as { errors?: unknown } | undefined)?.errors
  if (Array.isArray(errors) && errors.every((entry) => typeof entry?.message === 'string')) {
    return new ApiError(status, errors as ApiErrorEntry[])
  }
  // A proxy or a crashed upstream may answer without the envelope.
  return new ApiError(status, [
    { code: 'E_UNEXPECTED_RESPONSE', message: `The portal answered ${status} unexpectedly.` },
  ])
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The XSRF token Shield keeps in a readable cookie (the session cookie itself is HttpOnly). */
function xsrfToken() {
  const match = /(?:^|;\s*)XSRF-TOKEN=([^;]*)/.exec(document.cookie)
  return match ? decodeURIComponent(match[1]) : null
}

let xsrfRequest: Promise<unknown> | null = null

/** Asks the portal for the XSRF cookie when the browser has none yet. */
async function ensureXsrfCookie() {
  if (xsrfToken()) {
    return
  }
  xsrfRequest ??= fetch('/api/v1/auth/csrf', { credentials: 'same-origin' }).finally(() => {
    xsrfRequest = null
  })
  await xsrfRequest
}

const unauthenticatedListeners = new Set<() => void>()

/** Called when any call finds the session gone (signed out elsewhere, expired, disabled). */
export function onUnauthenticated(listener: () => void) {
  unauthenticatedListeners.add(listener)
  return () => unauthenticatedListeners.delete(listener)
}

/**
 * The API's double-submit CSRF protocol: every unsafe request of the cookie
 * session echoes the XSRF-TOKEN cookie as X-XSRF-TOKEN (docs/adr/0002).
 */
const csrfMiddleware: Middleware = {
  async onRequest({ request }) {
    if (UNSAFE_METHODS.has(request.method)) {
      await ensureXsrfCookie()
      const token = xsrfToken()
      if (token) {
        request.headers.set('X-XSRF-TOKEN', token)
      }
    }
    return request
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.endsWith('/api/v1/auth/login')) {
      unauthenticatedListeners.forEach((listener) => listener())
    }
    return response
  },
}

/** The typed client of the portal's API (types generated from its OpenAPI document). */
export const api = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
})
api.use(csrfMiddleware)

/**
 * The data of a successful call, or an ApiError with the envelope of a
 * refused one (or a network failure, as E_NETWORK).
 */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await call
  } catch {
    throw new ApiError(0, [
      { code: 'E_NETWORK', message: 'The portal cannot be reached. Check your connection.' },
    ])
  }
  if (!result.response.ok) {
    throw envelopeOf(result.response.status, result.error)
  }
  return result.data as T
}
