import type { HttpContext } from '@adonisjs/core/http'
import { jsonBody } from '#config/json_body'

/** JSON bodies already written, by the object they show (dropped with it). */
const written = new WeakMap<object, Buffer>()

/**
 * The response body for `shown` as JSON bytes, written once for as long as
 * `shown` lives: for answers that a held object always gives alike (a page
 * cut from the image catalogue held in memory), which would otherwise be
 * turned into the same JSON for every request, a third of such a request's
 * CPU (docs/benchmarks.md, issue 16, stop 33). `shown` must not change
 * while it is held; `body` makes the answer from it, as a controller would
 * return it.
 */
export function jsonWrittenOnce(ctx: HttpContext, shown: object, body: () => unknown): Buffer {
  let bytes = written.get(shown)
  if (!bytes) {
    bytes = Buffer.from(jsonBody(body()))
    written.set(shown, bytes)
  }
  // The framework's own type for a JSON body (a Buffer alone would be sent as octets).
  ctx.response.header('Content-Type', 'application/json; charset=utf-8')
  return bytes
}
