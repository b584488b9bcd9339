import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Sharing environments with members of their experiment (issue #19): one
 * row per colleague and environment, and Guacamole records per person, so
 * one colleague's access can be withdrawn without touching the owner's.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('environment_shares', (table) => {
      table.increments('id')
      table
        .integer('environment_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('environments')
        .onDelete('CASCADE')
      table
        .integer('user_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('users')
        .onDelete('CASCADE')
      // "user" | "guest" (app/domain/share_roles.ts)
      table.string('role', 16).notNullable()
      table
        .integer('granted_by')
        .unsigned()
        .nullable()
        .references('id')
        .inTable('users')
        .onDelete('SET NULL')
      // When the colleague last received a way in (a web URL cannot be taken back).
      table.dateTime('last_opened_at', { precision: 3 }).nullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()
      table.unique(['environment_id', 'user_id'])
      table.index(['user_id'])
    })

    // Guacamole records per person: the owner's, and each colleague's own.
    this.schema.alterTable('environment_access', (table) => {
      table
        .integer('user_id')
        .unsigned()
        .nullable()
        .references('id')
        .inTable('users')
        .onDelete('CASCADE')
    })
    this.defer(async (db) => {
      // Existing records are the owners'.
      await db.rawQuery(
        'UPDATE environment_access SET user_id = ' +
          '(SELECT user_id FROM environments WHERE environments.id = environment_access.environment_id)'
      )
    })
    this.schema.alterTable('environment_access', (table) => {
      // The new index first: MySQL keeps the foreign key on environment_id indexed throughout.
      table.unique(['environment_id', 'user_id'])
    })
    this.schema.alterTable('environment_access', (table) => {
      table.dropUnique(['environment_id'])
    })
  }

  async down() {
    this.schema.alterTable('environment_access', (table) => {
      table.unique(['environment_id'])
    })
    this.schema.alterTable('environment_access', (table) => {
      table.dropUnique(['environment_id', 'user_id'])
      table.dropForeign(['user_id'])
      table.dropColumn('user_id')
    })
    this.schema.dropTable('environment_shares')
  }
}
