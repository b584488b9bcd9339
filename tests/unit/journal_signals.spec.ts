import { test } from '@japa/runner'
import { JournalWatch, signalEntry } from '#services/environments/journal_signals'

test.group('Journal signals', () => {
  test("a progress stream wakes at its environment's next entry, not at its next poll", async ({
    assert,
  }) => {
    const watch = new JournalWatch(41)
    const begin = performance.now()
    const woken = watch.next(10_000)
    signalEntry(42)
    setTimeout(() => signalEntry(41), 20)
    await woken
    watch.close()
    assert.isBelow(performance.now() - begin, 5_000)
  })

  test('without an entry it waits out the poll interval', async ({ assert }) => {
    const watch = new JournalWatch(43)
    const begin = performance.now()
    await watch.next(50)
    watch.close()
    assert.isAtLeast(performance.now() - begin, 45)
  })

  test('an entry signalled between two waits (the stream reading) ends the next wait at once', async ({
    assert,
  }) => {
    const watch = new JournalWatch(44)
    signalEntry(44)
    const begin = performance.now()
    await watch.next(10_000)
    assert.isBelow(performance.now() - begin, 5_000)
    // Counted once: the wait after that one waits again.
    const again = performance.now()
    await watch.next(50)
    watch.close()
    assert.isAtLeast(performance.now() - again, 45)
  })

  test('a closed watch no longer listens', async ({ assert }) => {
    const watch = new JournalWatch(45)
    watch.close()
    signalEntry(45)
    const begin = performance.now()
    await watch.next(50)
    assert.isAtLeast(performance.now() - begin, 45)
  })
})
