import { writeFileSync } from 'node:fs'
import type { NamedReporterContract } from '@japa/runner/types'

/**
 * Writes the run's counts to the file named by TEST_SUMMARY_FILE, for
 * scripts/test.sh to add up and print as "N passed, N failed".
 */
export const summaryFileReporter: NamedReporterContract = {
  name: 'summary-file',
  handler: (runner, emitter) => {
    emitter.on('runner:end', () => {
      const target = process.env.TEST_SUMMARY_FILE
      if (!target) {
        return
      }
      const { aggregates, hasError } = runner.getSummary()
      writeFileSync(target, JSON.stringify({ ...aggregates, hasError }))
    })
  },
}
