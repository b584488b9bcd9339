import type { HttpContext } from '@adonisjs/core/http'

/**
 * A body as the response's own JSON, written by the engine's
 * `JSON.stringify`. The response's default serialiser (safe-stable-stringify
 * with a replacer for bigints, in JavaScript) writes the same text for
 * plain values — no bigint, no cycle — but takes several times longer; the
 * hot lists send values that are already the API's text (dates included),
 * so they answer through this.
 */
export function jsonAnswer(response: HttpContext['response'], body: object): string {
  response.header('Content-Type', 'application/json; charset=utf-8')
  return JSON.stringify(body)
}
