import { test } from '@japa/runner'
import { nextEntry, signalEntry } from '#services/environments/journal_signals'

test.group('Journal signals', () => {
  test("a progress stream wakes at its environment's next entry, not at its next poll", async ({
    assert,
  }) => {
    const begin = performance.now()
    const woken = nextEntry(41, 10_000)
    signalEntry(42)
    setTimeout(() => signalEntry(41), 20)
    await woken
    assert.isBelow(performance.now() - begin, 5_000)
  })

  test('without an entry it waits out the poll interval', async ({ assert }) => {
    const begin = performance.now()
    await nextEntry(43, 50)
    assert.isAtLeast(performance.now() - begin, 45)
  })
})
