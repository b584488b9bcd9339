import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, type FieldValues } from '#transformers/field_list'

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

const scopes = {
  type: 'array',
  schema: { items: { type: 'string', enum: ['user', 'admin'] } },
  description: '"user": everything the owner may do as a scientist; "admin": admin endpoints too.',
} as const

/** A personal API token's metadata, as listed. */
export const accessTokenFields = defineFields({
  id: { type: 'integer' },
  name: { type: 'string', nullable: true },
  scopes,
  createdAt: { type: 'date-time' },
  lastUsedAt: { type: 'date-time', nullable: true },
  expiresAt: { type: 'date-time', nullable: true },
})

/** A token as created: its value, shown this once. */
export const newAccessTokenFields = defineFields({
  id: { type: 'integer' },
  name: { type: 'string', nullable: true },
  scopes,
  token: { type: 'string', description: 'Shown once; only its hash is stored.' },
  createdAt: { type: 'date-time' },
  expiresAt: { type: 'date-time', nullable: true },
})

/** The token's scopes ("user", "admin"), as stored by the auth package. */
export function scopesOf(abilities: string) {
  return (JSON.parse(abilities) as string[]).filter(
    (scope) => scope === 'user' || scope === 'admin'
  )
}

/** A personal API token's metadata; its secret value is never listed. */
export default class AccessTokenTransformer extends BaseTransformer<AccessTokenRow> {
  toObject(): FieldValues<typeof accessTokenFields> {
    return {
      id: Number(this.resource.id),
      name: this.resource.name,
      scopes: scopesOf(this.resource.abilities),
      createdAt: iso(this.resource.created_at)!,
      lastUsedAt: iso(this.resource.last_used_at),
      expiresAt: iso(this.resource.expires_at),
    }
  }
}
