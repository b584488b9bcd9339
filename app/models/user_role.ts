import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { Role } from '#models/role'

export default class UserRole extends BaseModel {
  static table = 'user_roles'

  @column({ isPrimary: true })
  declare id: number

  @column()
  declare userId: number

  @column()
  declare role: Role
}
