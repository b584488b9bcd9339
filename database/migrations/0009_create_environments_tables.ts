import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Analysis environments, their progress/transition events, and quotas.
 */
export default class extends BaseSchema {
  async up() {
    // The site default quota (one row, id 1) and per-user overrides.
    for (const name of ['quota_defaults', 'user_quotas']) {
      this.schema.createTable(name, (table) => {
        table.increments('id')
        if (name === 'user_quotas') {
          table
            .integer('user_id')
            .unsigned()
            .notNullable()
            .unique()
            .references('id')
            .inTable('users')
            .onDelete('CASCADE')
        }
        table.integer('environments').notNullable()
        table.integer('cpu_millicores').notNullable()
        table.bigInteger('memory_bytes').notNullable()
        table.bigInteger('storage_bytes').notNullable()
        table.integer('gpus').notNullable()
        table.dateTime('created_at').notNullable()
        table.dateTime('updated_at').notNullable()
      })
    }

    this.schema.createTable('environments', (table) => {
      table.increments('id')
      table.integer('user_id').unsigned().notNullable().references('id').inTable('users')
      table.integer('image_id').unsigned().notNullable().references('id').inTable('images')
      table
        .integer('experiment_id')
        .unsigned()
        .nullable()
        .references('id')
        .inTable('experiments')
        .onDelete('SET NULL')
      table
        .integer('session_id')
        .unsigned()
        .nullable()
        .references('id')
        .inTable('experiment_sessions')
        .onDelete('SET NULL')
      table.string('name', 100).notNullable()
      table.string('driver', 16).notNullable()
      table.string('state', 16).notNullable()
      table.string('failure_reason', 500).nullable()
      table.string('engine_id', 128).nullable()
      table.string('endpoint_host', 255).nullable()
      table.integer('endpoint_port').nullable()
      // The per-environment secret, encrypted with the app key.
      table.text('secret').notNullable()
      // The reservation counted against the owner's quota.
      table.integer('cpu_millicores').notNullable()
      table.bigInteger('memory_bytes').notNullable()
      table.bigInteger('storage_bytes').notNullable()
      table.integer('gpus').notNullable()
      table.dateTime('expires_at').notNullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()
      table.index(['user_id', 'state'])
      table.index(['state', 'expires_at'])
    })

    this.schema.createTable('environment_events', (table) => {
      table.bigIncrements('id')
      table
        .integer('environment_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('environments')
        .onDelete('CASCADE')
      table.string('step', 32).notNullable()
      table.string('message', 500).notNullable()
      // Set when the event is a state transition (usage accounting reads these).
      table.string('state', 16).nullable()
      table.dateTime('occurred_at', { precision: 3 }).notNullable()
      table.index(['environment_id', 'id'])
    })

    // Leases elect the one process that runs background jobs (reconciler, expiry).
    this.schema.createTable('job_leases', (table) => {
      table.string('name', 64).primary()
      table.string('holder', 128).notNullable()
      table.dateTime('expires_at', { precision: 3 }).notNullable()
    })
  }

  async down() {
    this.schema.dropTable('job_leases')
    this.schema.dropTable('environment_events')
    this.schema.dropTable('environments')
    this.schema.dropTable('user_quotas')
    this.schema.dropTable('quota_defaults')
  }
}
