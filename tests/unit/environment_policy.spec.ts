import { test } from '@japa/runner'
import EnvironmentPolicy from '#policies/environment_policy'
import Environment from '#models/environment'
import User from '#models/user'
import UserRole from '#models/user_role'
import type { Role } from '#models/role'

function person(id: number, roles: Role[]) {
  const user = new User()
  user.id = id
  user.$setRelated(
    'roleRows',
    roles.map((role) => Object.assign(new UserRole(), { userId: id, role }))
  )
  return user
}

function environmentOf(userId: number) {
  return Object.assign(new Environment(), { id: 9, userId })
}

test.group('EnvironmentPolicy', () => {
  const policy = new EnvironmentPolicy()
  const owner = person(1, ['scientist'])
  const stranger = person(2, ['scientist'])
  const admin = person(3, ['admin', 'scientist'])
  const environment = environmentOf(owner.id)

  test('through the owner door only the owner sees and acts, admins included', ({ assert }) => {
    for (const action of ['view', 'operate'] as const) {
      assert.isTrue(policy[action](owner, environment, 'owner'), action)
      assert.isFalse(policy[action](stranger, environment, 'owner'), action)
      assert.isFalse(policy[action](admin, environment, 'owner'), action)
      assert.isFalse(policy[action](null, environment, 'owner'), action)
    }
  })

  test('through the admin door admins and the operator act on anyone’s, nobody else', ({
    assert,
  }) => {
    for (const action of ['view', 'operate'] as const) {
      assert.isTrue(policy[action](admin, environment, 'admin'), action)
      assert.isTrue(policy[action](null, environment, 'admin'), action)
      assert.isFalse(policy[action](owner, environment, 'admin'), action)
      assert.isFalse(policy[action](stranger, environment, 'admin'), action)
    }
  })

  test('an admin whose credentials do not carry the role is a person like any other', ({
    assert,
  }) => {
    const scoped = person(4, ['admin', 'scientist'])
    scoped.withholdRole('admin')
    assert.isFalse(policy.operate(scoped, environment, 'admin'))
  })
})
