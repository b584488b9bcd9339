import { test } from '@japa/runner'
import { setTimeout as sleep } from 'node:timers/promises'
import { configProvider } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import type { ApplicationService } from '@adonisjs/core/types'
import type { ResolvedSessionConfig, SessionStoreContract } from '@adonisjs/session/types'
import { seldomTouched } from '#models/seldom_touched_sessions'

/*
 * The session store's touches (app/models/seldom_touched_sessions.ts),
 * against a store that notes what reaches it: the database store's own
 * writes are tested in tests/functional/auth/lazy_sessions.spec.ts.
 */
function recordingStore() {
  const calls: string[] = []
  const store: SessionStoreContract = {
    read: () => null,
    write: (sessionId) => void calls.push(`write ${sessionId}`),
    destroy: (sessionId) => void calls.push(`destroy ${sessionId}`),
    touch: (sessionId) => void calls.push(`touch ${sessionId}`),
  }
  return { calls, store }
}

/** A store of a session `age` old, as the session middleware makes one per request. */
async function storeOf(inner: SessionStoreContract, age: string) {
  const factory = await seldomTouched(configProvider.create(async () => () => inner)).resolver(
    {} as ApplicationService
  )
  return () => factory({} as HttpContext, { age } as ResolvedSessionConfig)
}

test.group('Seldom touched sessions', () => {
  test('a session is touched once per interval, across requests', async ({ assert }) => {
    const { calls, store } = recordingStore()
    // A tenth of a 5 s session: 500 ms (shorter than the minute).
    const perRequest = await storeOf(store, '5s')

    await perRequest().touch('one')
    await perRequest().touch('one')
    await perRequest().touch('two')
    assert.deepEqual(calls, ['touch one', 'touch two'])

    await sleep(600)
    await perRequest().touch('one')
    await perRequest().touch('one')
    assert.deepEqual(calls, ['touch one', 'touch two', 'touch one'])
  })

  test('a write counts as a touch; after a destroy the next touch is written', async ({
    assert,
  }) => {
    const { calls, store } = recordingStore()
    const perRequest = await storeOf(store, '8h')

    await perRequest().write('three', {})
    await perRequest().touch('three')
    assert.deepEqual(calls, ['write three'])

    await perRequest().destroy('three')
    await perRequest().touch('three')
    assert.deepEqual(calls, ['write three', 'destroy three', 'touch three'])
  })
})
