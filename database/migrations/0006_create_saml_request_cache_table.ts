import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Outstanding SAML AuthnRequest ids (for InResponseTo checks and replay
 * refusal) and RelayState → returnTo entries. In the database, not in
 * memory, so any portal process can consume a response to a request
 * another process issued.
 */
export default class extends BaseSchema {
  protected tableName = 'saml_request_cache'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.string('key', 191).primary()
      table.text('value').notNullable()
      table.dateTime('expires_at').notNullable().index()
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
