import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * When an image is pulled from its registry (app/domain/image_pull_policy.ts).
 * Existing images get "if-not-present": an image the engine already holds
 * launches as before, without asking a registry.
 */
export default class extends BaseSchema {
  protected tableName = 'images'

  async up() {
    this.schema.alterTable(this.tableName, (table) => {
      table.string('pull_policy', 16).notNullable().defaultTo('if-not-present')
    })
  }

  async down() {
    this.schema.alterTable(this.tableName, (table) => {
      table.dropColumn('pull_policy')
    })
  }
}
