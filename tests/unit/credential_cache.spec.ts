import { test } from '@japa/runner'
import { CredentialCache } from '#models/credential_cache'

function cache(ttlMs = 1_000, maxEntries = 3) {
  return new CredentialCache<string>(
    () => ttlMs,
    () => maxEntries
  )
}

test.group('Credential cache', () => {
  test('answers within the TTL and forgets after it', async ({ assert }) => {
    const entries = cache(100)
    entries.store(1, 10, 'token one', entries.generation)
    assert.equal(entries.get(1), 'token one')
    await new Promise((resolve) => setTimeout(resolve, 120))
    assert.isUndefined(entries.get(1))
  })

  test('a TTL of 0 stores nothing', ({ assert }) => {
    const entries = cache(0)
    entries.store(1, 10, 'token one', entries.generation)
    assert.isUndefined(entries.get(1))
    assert.equal(entries.size, 0)
  })

  test('holds at most its bound, dropping the oldest entry first', ({ assert }) => {
    const entries = cache(60_000, 3)
    for (const key of [1, 2, 3, 4]) {
      entries.store(key, key, `token ${key}`, entries.generation)
    }
    assert.equal(entries.size, 3)
    assert.isUndefined(entries.get(1))
    assert.equal(entries.get(4), 'token 4')
  })

  test('forgets every entry of an account, and one entry by key', ({ assert }) => {
    const entries = cache()
    entries.store(1, 10, 'first of 10', entries.generation)
    entries.store(2, 10, 'second of 10', entries.generation)
    entries.store(3, 20, 'one of 20', entries.generation)
    entries.forgetAccount(10)
    assert.isUndefined(entries.get(1))
    assert.isUndefined(entries.get(2))
    assert.equal(entries.get(3), 'one of 20')
    entries.forget(3)
    assert.isUndefined(entries.get(3))
  })

  test('a read that began before a change is not stored after it', ({ assert }) => {
    const entries = cache()
    const readStartedAt = entries.generation
    entries.forgetAccount(10)
    entries.store(1, 10, 'read before the change', readStartedAt)
    assert.isUndefined(entries.get(1))
    entries.store(1, 10, 'read after the change', entries.generation)
    assert.equal(entries.get(1), 'read after the change')
  })
})
