import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * OpenID Connect sign-ins under way: the digest of each `state` this
 * portal sent to the provider, with where to land afterwards. In the
 * database, not in memory, so the provider's answer may reach any portal
 * process; a row is deleted when its answer arrives, so a state (and the
 * nonce bound to it) is used at most once.
 */
export default class extends BaseSchema {
  protected tableName = 'oidc_sign_in_requests'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.string('state_digest', 64).primary()
      table.string('nonce_digest', 64).notNullable()
      table.text('return_to').notNullable()
      table.dateTime('expires_at').notNullable().index()
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
