import { test } from '@japa/runner'
import { engineObjectName } from '#domain/compute'
import { ENVIRONMENT_STATES, HOLDS_SLOT, TRANSITIONS } from '#domain/environment_states'

test.group('Environment transitions', () => {
  test('a person stops a running one, starts a stopped one, removes a settled one', ({
    assert,
  }) => {
    assert.deepEqual(TRANSITIONS.stop, { from: ['running'], to: 'stopping' })
    assert.deepEqual(TRANSITIONS.start, { from: ['stopped'], to: 'provisioning' })
    assert.deepEqual(TRANSITIONS.remove, {
      from: ['running', 'stopped', 'failed'],
      to: 'removing',
    })
  })

  test('nothing leaves "removed", and every transition leads to a known state', ({ assert }) => {
    for (const [name, { from, to }] of Object.entries(TRANSITIONS)) {
      assert.notInclude(from, 'removed', name)
      assert.include(ENVIRONMENT_STATES, to, name)
    }
  })

  test('erasure takes every environment that holds a slot, except one already removing', ({
    assert,
  }) => {
    assert.sameMembers(
      [...TRANSITIONS.dispose.from],
      [...HOLDS_SLOT.filter((state) => state !== 'removing'), 'failed']
    )
  })
})

test.group('Engine object names', () => {
  test('are the instance id and the environment id, lower case', ({ assert }) => {
    assert.equal(engineObjectName('portal-test', 42), 'portal-test-env-42')
    assert.equal(engineObjectName('Portal_Test.Site-', 7), 'portal-test-site-env-7')
  })

  test('start with a letter and fit 63 characters whatever the instance id', ({ assert }) => {
    const name = engineObjectName(`9-${'Very.Long_Instance-'.repeat(6)}`, 2 ** 31)
    assert.isAtMost(name.length, 63)
    assert.match(name, /^[a-z]([-a-z0-9]*[a-z0-9])?$/)
    assert.match(name, /-env-2147483648$/)
    assert.equal(engineObjectName('---', 1), 'portal-env-1')
  })
})
