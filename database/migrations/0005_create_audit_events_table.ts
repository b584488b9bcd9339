import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Who did what to which object, when, from where, and how it ended.
 * Append-only; never holds secrets.
 */
export default class extends BaseSchema {
  protected tableName = 'audit_events'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.dateTime('occurred_at', { precision: 3 }).notNullable()
      table.integer('actor_id').unsigned().nullable()
      table.string('actor_name', 128).nullable()
      table.string('action', 64).notNullable()
      table.string('object_type', 64).nullable()
      table.string('object_id', 128).nullable()
      table.string('outcome', 16).notNullable()
      table.string('client_ip', 64).nullable()
      table.string('user_agent', 512).nullable()
      table.string('request_id', 128).nullable()
      table.text('details').nullable()

      table.index(['occurred_at'])
      table.index(['actor_id', 'occurred_at'])
      table.index(['action', 'occurred_at'])
      table.index(['object_type', 'object_id'])
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
