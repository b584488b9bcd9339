import type { Assert } from '@japa/assert'
import type { ApiResponse } from '@japa/api-client'
import type { ApiSession } from '#tests/helpers/api_session'

/** A named request an admin route answers, made as `session`. */
export type AdminCall = [name: string, call: (session: ApiSession) => Promise<ApiResponse>]

/**
 * Each call is refused to a signed-in scientist (403 E_FORBIDDEN) and to
 * a browser signed in as nobody (401 E_UNAUTHENTICATED).
 */
export async function assertAdminOnly(
  assert: Assert,
  calls: AdminCall[],
  { scientist, anonymous }: { scientist: ApiSession; anonymous: ApiSession }
) {
  for (const [name, call] of calls) {
    const refused = await call(scientist)
    assert.equal(refused.status(), 403, name)
    assert.equal(refused.body().errors[0].code, 'E_FORBIDDEN', name)
    const unknown = await call(anonymous)
    assert.equal(unknown.status(), 401, name)
    assert.equal(unknown.body().errors[0].code, 'E_UNAUTHENTICATED', name)
  }
}
