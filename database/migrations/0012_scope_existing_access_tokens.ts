import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Personal API tokens gained scopes: "user" (everything the owner may do
 * as a scientist) and "admin" (granted explicitly, by an admin's session).
 * Tokens issued before carry the wildcard, which would keep admin rights
 * nobody chose to give a script: they become user-scoped.
 */
export default class extends BaseSchema {
  async up() {
    this.defer(async (db) => {
      await db
        .from('auth_access_tokens')
        .where('abilities', '["*"]')
        .update({
          abilities: JSON.stringify(['user']),
        })
    })
  }

  async down() {}
}
