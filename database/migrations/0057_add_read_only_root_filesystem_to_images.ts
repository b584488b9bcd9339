import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Whether an image runs with a read-only root file system (a
 * writable scratch /tmp). Off for existing images: most
 * analysis images write to their own file system, and a flag an image
 * cannot live with only turns into failed launches.
 */
export default class extends BaseSchema {
  protected tableName = 'images'

  async up() {
    this.schema.alterTable(this.tableName, (table) => {
      table.boolean('read_only_root_filesystem').notNullable().defaultTo(false)
    })
  }

  async down() {
    this.schema.alterTable(this.tableName, (table) => {
      table.dropColumn('read_only_root_filesystem')
    })
  }
}
