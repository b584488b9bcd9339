// Prints the plain "N passed, N failed" line from the Japa summary files of
// a run's passes (added up) and exits non-zero when a pass failed, crashed
// before writing its summary, or when no test ran at all.
import { readFileSync } from 'node:fs'

const totals = { passed: 0, failed: 0, skipped: 0, hasError: false }
for (const file of process.argv.slice(2)) {
  let summary
  try {
    summary = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    console.error(
      `test run: no summary was written to ${file} (the runner crashed before finishing)`
    )
    totals.failed += 1
    continue
  }
  totals.passed += summary.passed
  totals.failed += summary.failed + (summary.regression ?? 0)
  totals.skipped += summary.skipped + (summary.todo ?? 0)
  totals.hasError ||= Boolean(summary.hasError)
}

const { passed, failed, skipped } = totals
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
if (passed === 0) {
  console.error('test run: no test ran')
  process.exit(1)
}
process.exit(failed > 0 || totals.hasError ? 1 : 0)
