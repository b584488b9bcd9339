import { test } from '@japa/runner'
import EnvironmentPolicy, { environmentRoleOf } from '#policies/environment_policy'
import EnvironmentShare from '#models/environment_share'
import type { ShareRole } from '#domain/share_roles'
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
    for (const action of ['view', 'open', 'operate', 'share'] as const) {
      assert.isTrue(policy[action](owner, environment, 'owner'), action)
      assert.isFalse(policy[action](stranger, environment, 'owner'), action)
      assert.isFalse(policy[action](admin, environment, 'owner'), action)
      assert.isFalse(policy[action](null, environment, 'owner'), action)
    }
  })

  test('through the admin door admins and the operator act on anyone’s, nobody else', ({
    assert,
  }) => {
    for (const action of ['view', 'open', 'operate', 'share'] as const) {
      assert.isTrue(policy[action](admin, environment, 'admin'), action)
      assert.isTrue(policy[action](null, environment, 'admin'), action)
      assert.isFalse(policy[action](owner, environment, 'admin'), action)
      assert.isFalse(policy[action](stranger, environment, 'admin'), action)
    }
  })

  test('colleagues it is shared with view and open it through the owner door, nothing more', ({
    assert,
  }) => {
    const user = person(5, ['scientist'])
    const guest = person(6, ['scientist'])
    // AuthorizedEnvironments preloads only the caller's own share row.
    const sharedWith = (colleague: User, role: ShareRole) => {
      const shared = environmentOf(owner.id)
      shared.$setRelated('shares', [
        Object.assign(new EnvironmentShare(), { environmentId: 9, userId: colleague.id, role }),
      ])
      return shared
    }
    for (const [colleague, role] of [
      [user, 'user'],
      [guest, 'guest'],
    ] as const) {
      const shared = sharedWith(colleague, role)
      assert.equal(environmentRoleOf(colleague, shared), role)
      assert.isTrue(policy.view(colleague, shared, 'owner'), role)
      assert.isTrue(policy.open(colleague, shared, 'owner'), role)
      assert.isFalse(policy.operate(colleague, shared, 'owner'), role)
      assert.isFalse(policy.share(colleague, shared, 'owner'), role)
      // A share opens nothing through the admin door, and says nothing about others.
      assert.isFalse(policy.view(colleague, shared, 'admin'), role)
      assert.isFalse(policy.view(stranger, shared, 'owner'), role)
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
