import { readFile, writeFile } from 'node:fs/promises'
import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * Regenerates the console's API types (console/src/api/schema.d.ts) from the
 * OpenAPI document the server publishes. Run it after changing app/openapi/;
 * --check only reports whether the committed file is current.
 */
export default class ConsoleApiTypes extends BaseCommand {
  static commandName = 'console:api-types'
  static description = "Generate the web console's API types from the OpenAPI document"
  static options: CommandOptions = { startApp: true }

  @flags.boolean({ description: 'Exit 1 when the committed types differ instead of writing them' })
  declare check: boolean

  async run() {
    // Imported here: ace loads every command file on each start.
    const { openApiDocument } = await import('#openapi/document')
    const { CONSOLE_API_TYPES_PATH, renderConsoleApiTypes } =
      await import('#openapi/console_api_types')
    const target = this.app.makePath(CONSOLE_API_TYPES_PATH)
    // The document as served: a JSON round trip, like GET /api/v1/openapi.json.
    const types = await renderConsoleApiTypes(JSON.parse(JSON.stringify(openApiDocument)))

    if (this.check) {
      const committed = await readFile(target, 'utf8').catch(() => '')
      if (committed !== types) {
        this.logger.error(`${CONSOLE_API_TYPES_PATH} is stale: run "node ace console:api-types"`)
        this.exitCode = 1
        return
      }
      this.logger.success(`${CONSOLE_API_TYPES_PATH} matches the OpenAPI document`)
      return
    }
    await writeFile(target, types)
    this.logger.success(`Wrote ${CONSOLE_API_TYPES_PATH}`)
  }
}
