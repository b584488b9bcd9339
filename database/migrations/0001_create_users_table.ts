import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('users', (table) => {
      table.increments('id').notNullable()
      table.string('username', 128).notNullable().unique()
      table.string('email', 254).nullable()
      table.string('display_name', 255).nullable()
      // Which provider authenticated the account: local, useroffice or saml.
      table.string('provider', 16).notNullable()
      // The provider's stable identifier for the person (e.g. SAML persistent id).
      table.string('external_id', 255).nullable()
      table.string('password', 255).nullable()
      table.boolean('disabled').notNullable().defaultTo(false)
      table.dateTime('last_login_at').nullable()
      table.dateTime('created_at').notNullable()
      table.dateTime('updated_at').notNullable()

      table.unique(['provider', 'external_id'])
      table.index(['email'])
    })

    this.schema.createTable('user_roles', (table) => {
      table.increments('id')
      table
        .integer('user_id')
        .unsigned()
        .notNullable()
        .references('id')
        .inTable('users')
        .onDelete('CASCADE')
      table.string('role', 32).notNullable()
      // Who granted it: an admin or the CLI ("manual"), or the SAML IdP's
      // attributes ("saml"), which may take it away again at the next sign-in.
      table.string('source', 16).notNullable().defaultTo('manual')
      table.unique(['user_id', 'role'])
      table.index(['role'])
    })
  }

  async down() {
    this.schema.dropTable('user_roles')
    this.schema.dropTable('users')
  }
}
