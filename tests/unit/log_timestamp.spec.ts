import { test } from '@japa/runner'
import { stdTimeFunctions } from 'pino'
import { isoTimestamp } from '#config/log_timestamp'

/*
 * The log lines' time, formatted once per millisecond (config/log_timestamp.ts):
 * the same text as pino's own ISO time, and never a millisecond behind the clock.
 */
test.group('Log timestamp', (group) => {
  const realNow = Date.now
  group.each.teardown(() => {
    Date.now = realNow
  })

  test("writes pino's ISO time, and follows the clock from one millisecond to the next", ({
    assert,
  }) => {
    let now = Date.UTC(2026, 11, 6, 5, 30, 0, 123)
    Date.now = () => now
    assert.equal(isoTimestamp(), ',"time":"2026-12-06T05:30:00.123Z"')
    assert.equal(isoTimestamp(), stdTimeFunctions.isoTime())
    now += 1
    assert.equal(isoTimestamp(), ',"time":"2026-12-06T05:30:00.124Z"')
    assert.equal(isoTimestamp(), stdTimeFunctions.isoTime())
    now -= 1000
    assert.equal(isoTimestamp(), ',"time":"2026-12-06T05:29:59.124Z"')
  })
})
