import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Server-side sessions (see config/session.ts), tagged with the user id so
 * that all of a user's sessions can be revoked at once.
 */
export default class extends BaseSchema {
  protected tableName = 'sessions'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.string('id').primary()
      table.text('data').notNullable()
      table.string('user_id').nullable().index()
      table.dateTime('expires_at').notNullable().index()
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
