import { errors as vineErrors } from '@vinejs/vine'
import { CONCURRENT_CHANGE_MESSAGE } from '#exceptions/conflict_exception'

/** One entry of the error body every endpoint returns. */
export type ApiError = {
  code: string
  message: string
  field?: string
  /** Machine-readable details where an error has them (e.g. which quota limit). */
  meta?: Record<string, unknown>
}

type Translated = { status: number; errors: ApiError[] }

/**
 * A lock the request waited for was held longer than the database allows (MySQL's
 * innodb_lock_wait_timeout, SQLite's busy_timeout): the statement that waited was undone, and
 * the transaction around it rolled back; the request may be sent again (`Retry-After`).
 */
const DATABASE_BUSY_CODES = ['ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT']

/**
 * Framework and driver errors that clients meet, by code: the status and
 * the wording the API documents for them.
 */
const KNOWN_CODES: Record<string, { status: number; code: string; message: string }> = {
  E_UNAUTHORIZED_ACCESS: {
    status: 401,
    code: 'E_UNAUTHENTICATED',
    message: 'Authentication required',
  },
  E_AUTHORIZATION_FAILURE: {
    status: 403,
    code: 'E_FORBIDDEN',
    message: 'You are not allowed to perform this action',
  },
  E_BAD_CSRF_TOKEN: {
    status: 403,
    code: 'E_BAD_CSRF_TOKEN',
    message: 'Missing or invalid CSRF token (send the XSRF-TOKEN cookie back as X-XSRF-TOKEN)',
  },
  E_ROUTE_NOT_FOUND: { status: 404, code: 'E_ROUTE_NOT_FOUND', message: 'No such endpoint' },
  E_ROW_NOT_FOUND: { status: 404, code: 'E_NOT_FOUND', message: 'Resource not found' },
  E_REQUEST_ENTITY_TOO_LARGE: {
    status: 413,
    code: 'E_PAYLOAD_TOO_LARGE',
    message: 'Request body is too large',
  },
  E_TOO_MANY_REQUESTS: {
    status: 429,
    code: 'E_TOO_MANY_REQUESTS',
    message: 'Too many requests, retry later',
  },
  // A write that met a concurrent one where no retry is built in: nothing of it stayed.
  ER_LOCK_DEADLOCK: {
    status: 409,
    code: 'E_CONFLICT',
    message: CONCURRENT_CHANGE_MESSAGE,
  },
  ...Object.fromEntries(
    DATABASE_BUSY_CODES.map((code) => [
      code,
      { status: 503, code: 'E_DATABASE_BUSY', message: 'The database is busy; please retry' },
    ])
  ),
}

/** Network-level failures of the database driver: the database is down, not the request bad. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  // A query written on a pooled connection the stopping server has just closed.
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
])

function isDatabaseUnavailable(error: any) {
  return (
    UNAVAILABLE_CODES.has(error?.code) ||
    error?.name === 'KnexTimeoutError' ||
    UNAVAILABLE_CODES.has(error?.cause?.code)
  )
}

function isMalformedJson(error: any) {
  return (
    (error?.status === 400 && error instanceof SyntaxError) ||
    (typeof error?.message === 'string' && error.message.startsWith('Invalid JSON'))
  )
}

/**
 * Maps any thrown value to an HTTP status and the documented error list.
 * Unknown errors become a bare 500 so that internals never leak.
 */
export function toApiErrors(error: any): Translated {
  if (error instanceof vineErrors.E_VALIDATION_ERROR) {
    return {
      status: 422,
      errors: (error.messages as { field: string; message: string }[]).map((entry) => ({
        code: 'E_VALIDATION_ERROR',
        message: entry.message,
        field: entry.field,
      })),
    }
  }

  if (isMalformedJson(error)) {
    return {
      status: 400,
      errors: [{ code: 'E_INVALID_JSON', message: 'Request body is not a valid JSON object' }],
    }
  }

  const known = KNOWN_CODES[error?.code]
  if (known) {
    return { status: known.status, errors: [{ code: known.code, message: known.message }] }
  }

  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      errors: [
        {
          code: 'E_SERVICE_UNAVAILABLE',
          message: 'The database is unavailable, please retry later',
        },
      ],
    }
  }

  // Domain exceptions carry their own status, code and client-safe message.
  const status = Number(error?.status)
  if (status >= 400 && status < 500 && typeof error?.code === 'string') {
    return {
      status,
      errors: [{ code: error.code, message: error.message, ...fieldOf(error), ...metaOf(error) }],
    }
  }
  if ((status === 502 || status === 503) && typeof error?.code === 'string') {
    return { status, errors: [{ code: error.code, message: error.message }] }
  }

  return {
    status: 500,
    errors: [{ code: 'E_INTERNAL_SERVER_ERROR', message: 'Internal server error' }],
  }
}

function metaOf(error: any): { meta?: Record<string, unknown> } {
  return error?.meta && typeof error.meta === 'object' ? { meta: error.meta } : {}
}

function fieldOf(error: any): { field?: string } {
  return typeof error?.field === 'string' ? { field: error.field } : {}
}
