import { readFile } from 'node:fs/promises'
import { BaseCommand, args } from '@adonisjs/core/ace'
import { CsvImportError, importCsv, type ImportOptions } from '#services/experiments/csv_import'

/**
 * What the experiments:import* commands share: read the file, import it
 * row by row, print one line per rejected row and a summary, and exit 1
 * when anything failed. (The leading underscore keeps ace from loading
 * this file as a command of its own.)
 */
export default abstract class CsvImportCommand extends BaseCommand {
  @args.string({ description: 'CSV file (UTF-8, with a header row)' })
  declare file: string

  protected async importFile<Row>(options: ImportOptions<Row>) {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      this.logger.error(`cannot read ${this.file}: ${(error as Error).message}`)
      this.exitCode = 1
      return
    }

    try {
      const report = await importCsv(text, options)
      for (const problem of report.problems) {
        this.logger.error(`line ${problem.line}: ${problem.reason}`)
      }
      this.logger.info(
        `created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, failed ${report.failed}`
      )
      this.exitCode = report.failed > 0 ? 1 : 0
    } catch (error) {
      if (!(error instanceof CsvImportError)) {
        throw error
      }
      this.logger.error(error.message)
      this.exitCode = 1
    }
  }
}
