import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Link resources (issue #20): catalogue entries that are only a URL, such
 * as an e-logbook or a facility's JupyterHub, restricted by role and
 * experiment like images and opened without quota. Nothing references
 * them (the audit trail names them by id), so they can always be deleted.
 */
export default class extends BaseSchema {
  protected tableName = 'link_resources'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.increments('id')
      table.string('name', 100).notNullable().unique()
      table.text('description').nullable()
      // An absolute http(s) URL; with proposal_template, "{proposal}" in its path or query.
      table.string('url', 2048).notNullable()
      // Whether the admin lets the caller's proposal id into the URL.
      table.boolean('proposal_template').notNullable().defaultTo(false)
      // Whether the link is opened for one of the caller's experiments.
      table.boolean('requires_experiment').notNullable().defaultTo(false)
      table.boolean('enabled').notNullable().defaultTo(true)
      // JSON: roles that may open it, e.g. ["scientist"].
      table.text('allowed_roles').notNullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()
      table.index(['enabled'])
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
