import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Activity, idle limits and notifications (issue #19): when an environment
 * was last used, how long an image's environments may sit idle, the
 * in-app notifications of each user, and the outbox of e-mails still to
 * send (delivered by the background jobs, retried when SMTP fails).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('environments', (table) => {
      // The latest use seen: Guacamole history, the web application, the portal's access events.
      table.dateTime('last_activity_at', { precision: 3 }).nullable()
    })
    this.schema.alterTable('images', (table) => {
      // A running environment idle this long is stopped; null: never.
      table.integer('idle_limit_minutes').nullable()
    })

    this.schema.createTable('notifications', (table) => {
      table.increments('id')
      table
        .integer('user_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('users')
        .onDelete('CASCADE')
      table
        .integer('environment_id')
        .unsigned()
        .nullable()
        .references('id')
        .inTable('environments')
        .onDelete('SET NULL')
      // "expiry_warning" | "idle_warning" | "idle_stopped"
      table.string('kind', 32).notNullable()
      table.string('subject', 255).notNullable()
      table.text('body').notNullable()
      // Where to act on it (the environment's page in the console), or null.
      table.string('link', 500).nullable()
      // One notification per event: a second INSERT of the same key fails (any process).
      table.string('dedupe_key', 191).nullable().unique()
      table.dateTime('read_at').nullable()
      table.dateTime('created_at').notNullable()
      table.index(['user_id', 'id'])
    })

    this.schema.createTable('mail_outbox', (table) => {
      table.bigIncrements('id')
      table
        .integer('notification_id')
        .unsigned()
        .nullable()
        .references('id')
        .inTable('notifications')
        .onDelete('CASCADE')
      table.string('recipient', 255).notNullable()
      table.string('subject', 255).notNullable()
      table.text('body').notNullable()
      table.integer('attempts').notNullable().defaultTo(0)
      table.dateTime('next_attempt_at', { precision: 3 }).notNullable()
      table.dateTime('sent_at', { precision: 3 }).nullable()
      // The last delivery failure (an SMTP code or a network error code; never credentials).
      table.string('last_error', 500).nullable()
      table.dateTime('created_at').notNullable()
      table.index(['sent_at', 'next_attempt_at'])
    })
  }

  async down() {
    this.schema.dropTable('mail_outbox')
    this.schema.dropTable('notifications')
    this.schema.alterTable('images', (table) => {
      table.dropColumn('idle_limit_minutes')
    })
    this.schema.alterTable('environments', (table) => {
      table.dropColumn('last_activity_at')
    })
  }
}
