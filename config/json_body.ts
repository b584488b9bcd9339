import { safeStringify } from '@poppinss/utils/json'

/**
 * A response body as JSON. The framework's default, `safeStringify`, walks
 * every value through a replacer function in JavaScript (to turn bigints
 * into strings and drop circular references): a fifth to a tenth of a
 * list's CPU per request (docs/benchmarks.md, issue 16, stop 28). V8's
 * own `JSON.stringify` without a replacer writes the same text for
 * everything it accepts and throws on exactly those two cases, which then
 * take the framework's way, so every body reads as before.
 */
export function jsonBody(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch {
    return safeStringify(value)!
  }
}
