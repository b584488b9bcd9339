import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The image catalogue: the analysis environment images admins offer.
 * Environments reference their image (RESTRICT), so an image in use is
 * disabled rather than deleted.
 */
export default class extends BaseSchema {
  protected tableName = 'images'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.increments('id')
      table.string('name', 100).notNullable().unique()
      table.text('description').nullable()
      table.string('reference', 255).notNullable()
      // "docker" | "kubernetes"
      table.string('driver', 16).notNullable()
      // "vnc" | "rdp" | "ssh" | "http"
      table.string('protocol', 16).notNullable()
      table.integer('port').notNullable()
      // Default resources of an environment of this image.
      table.integer('cpu_millicores').notNullable()
      table.bigInteger('memory_bytes').notNullable()
      table.bigInteger('storage_bytes').notNullable().defaultTo(0)
      table.integer('gpus').notNullable().defaultTo(0)
      // JSON: {"NAME": "value"}; never PORTAL_* names.
      table.text('environment').notNullable()
      // JSON: ["arg", …] or null for the image's own command.
      table.text('command').nullable()
      table.boolean('requires_experiment').notNullable().defaultTo(true)
      table.boolean('enabled').notNullable().defaultTo(true)
      // JSON: roles that may launch it, e.g. ["scientist"].
      table.text('allowed_roles').notNullable()
      // Overrides the site's environment lifetime; null uses the site's.
      table.integer('lifetime_hours').nullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()
      table.index(['enabled'])
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
