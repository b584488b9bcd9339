import { BaseTransformer } from '@adonisjs/core/transformers'

type AccessTokenRow = {
  id: number
  name: string | null
  abilities: string
  created_at: Date | string
  last_used_at: Date | string | null
  expires_at: Date | string | null
}

function iso(value: Date | string | null) {
  return value === null ? null : new Date(value).toISOString()
}

/** The token's scopes ("user", "admin"), as stored by the auth package. */
export function scopesOf(abilities: string) {
  return (JSON.parse(abilities) as string[]).filter(
    (scope) => scope === 'user' || scope === 'admin'
  )
}

/** A personal API token's metadata; its secret value is never listed. */
export default class AccessTokenTransformer extends BaseTransformer<AccessTokenRow> {
  toObject() {
    return {
      id: Number(this.resource.id),
      name: this.resource.name,
      scopes: scopesOf(this.resource.abilities),
      createdAt: iso(this.resource.created_at),
      lastUsedAt: iso(this.resource.last_used_at),
      expiresAt: iso(this.resource.expires_at),
    }
  }
}
