import { ApiError } from '../api/client'

/**
 * The API's error envelope, for people: each message, with its code for
 * support. Announced to screen readers as it appears.
 */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) {
    return null
  }
  const entries =
    error instanceof ApiError
      ? error.errors
      : [{ code: 'E_CONSOLE', message: error instanceof Error ? error.message : String(error) }]
  return (
    <div class="error" role="alert">
      <ul>
        {entries.map((entry, index) => (
          <li key={index}>
            {entry.message} <code class="error-code">{entry.code}</code>
          </li>
        ))}
      </ul>
    </div>
  )
}
