import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Experiments (proposals), their beamtime sessions, and who belongs to
 * them — synced from the User Office or managed locally by admins.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('experiments', (table) => {
      table.increments('id')
      table.string('proposal_id', 64).notNullable().unique()
      table.string('title', 500).notNullable()
      table.text('abstract').nullable()
      table.string('instrument', 128).nullable()
      table.integer('posix_uid').nullable()
      table.integer('posix_gid').nullable()
      // Where the record comes from: "useroffice" (sync) or "local" (admins, CSV).
      table.string('source', 16).notNullable()
      // Earliest session start, kept for sorting by date.
      table.dateTime('starts_at').nullable()
      table.dateTime('last_synced_at').nullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()
      table.index(['instrument'])
      table.index(['starts_at'])
    })

    this.schema.createTable('experiment_sessions', (table) => {
      table.increments('id')
      table
        .integer('experiment_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('experiments')
        .onDelete('CASCADE')
      table.string('session_number', 64).notNullable()
      table.string('title', 500).nullable()
      table.text('description').nullable()
      table.dateTime('starts_at').nullable()
      table.dateTime('ends_at').nullable()
      // As received from the outside system; never shown through the API.
      table.text('data_set_path').nullable()
      // JSON: the confined mounts and the per-mount errors (see dataset_mounts.ts).
      table.text('mounts').notNullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()
      table.unique(['experiment_id', 'session_number'])
    })

    this.schema.createTable('experiment_members', (table) => {
      table.increments('id')
      table
        .integer('experiment_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('experiments')
        .onDelete('CASCADE')
      table
        .integer('user_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('users')
        .onDelete('CASCADE')
      table.string('role', 32).notNullable().defaultTo('member')
      table.boolean('favorite').notNullable().defaultTo(false)
      table.string('source', 16).notNullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()
      table.unique(['experiment_id', 'user_id'])
      table.index(['user_id', 'favorite'])
    })

    this.schema.alterTable('users', (table) => {
      // Last successful sync of this user's experiments from the User Office.
      table.dateTime('experiments_synced_at').nullable()
    })
  }

  async down() {
    this.schema.alterTable('users', (table) => {
      table.dropColumn('experiments_synced_at')
    })
    this.schema.dropTable('experiment_members')
    this.schema.dropTable('experiment_sessions')
    this.schema.dropTable('experiments')
  }
}
