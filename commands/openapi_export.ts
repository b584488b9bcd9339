import { writeFile } from 'node:fs/promises'
import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * Writes the OpenAPI document the server publishes to a file, for outside
 * tools (`redocly lint`, client generators) that want it without a server.
 */
export default class OpenApiExport extends BaseCommand {
  static commandName = 'openapi:export'
  static description =
    'Write the OpenAPI document (as GET /api/v1/openapi.json serves it) to a file'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'The file to write' })
  declare file: string

  async run() {
    // Imported here: ace loads every command file on each start.
    const { openApiDocument } = await import('#openapi/document')
    await writeFile(this.file, `${JSON.stringify(openApiDocument, null, 2)}\n`)
    this.logger.success(`Wrote ${this.file}`)
  }
}
