// Prints the plain "N passed, N failed" line from the Japa summary file and
// exits non-zero when the run failed or ran no test at all.
import { readFileSync } from 'node:fs'

let summary
try {
  summary = JSON.parse(readFileSync(process.argv[2], 'utf8'))
} catch {
  console.log('0 passed, 1 failed')
  console.error('test run: no summary was written (the runner crashed before finishing)')
  process.exit(1)
}

const failed = summary.failed + (summary.regression ?? 0)
const skipped = summary.skipped + (summary.todo ?? 0)
console.log(`${summary.passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
if (summary.passed === 0) {
  console.error('test run: no test ran')
  process.exit(1)
}
process.exit(failed > 0 || summary.hasError ? 1 : 0)
