import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Which Guacamole records (JDBC module) belong to which environment, so
 * they can be reused, refreshed and revoked.
 */
export default class extends BaseSchema {
  protected tableName = 'environment_access'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.increments('id')
      table
        .integer('environment_id')
        .unsigned()
        .notNullable()
        .unique()
        .references('id')
        .inTable('environments')
        .onDelete('CASCADE')
      table.string('broker', 32).notNullable()
      // Ids in Guacamole's database (no foreign key: another database).
      table.integer('guacamole_entity_id').notNullable()
      table.integer('guacamole_connection_id').notNullable()
      table.string('guacamole_username', 128).notNullable()
      // Encrypted with the app key; never stored in plain text.
      table.text('guacamole_password').notNullable()
      // The endpoint the connection points at: a change means new records.
      table.string('endpoint_host', 255).notNullable()
      table.integer('endpoint_port').notNullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
