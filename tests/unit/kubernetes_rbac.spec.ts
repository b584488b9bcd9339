import { test } from '@japa/runner'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import { workloadsRbac } from '#tests/helpers/workloads_rbac'

test.group('Kubernetes RBAC of the workload namespace', () => {
  test('is a valid ServiceAccount, Role and RoleBinding', async ({ assert }) => {
    const objects = await workloadsRbac()
    assert.deepEqual(
      objects.map((object) => object.kind),
      ['ServiceAccount', 'Role', 'RoleBinding']
    )
    const [account, role, binding] = objects
    new ServiceAccount(account as any).validate()
    new Role(role as any).validate()
    new RoleBinding(binding as any).validate()

    assert.equal(role.metadata.namespace, 'portal-workloads')
    assert.equal(binding.metadata.namespace, role.metadata.namespace)
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: role.metadata.name,
    })
    assert.deepEqual(binding.subjects, [
      {
        kind: 'ServiceAccount',
        name: account.metadata.name,
        namespace: account.metadata.namespace,
      },
    ])
  })

  test('grants exactly what the driver uses, without wildcards', async ({ assert }) => {
    const [, role] = await workloadsRbac()
    const granted = new Set<string>()
    for (const rule of role.rules) {
      assert.deepEqual(rule.apiGroups, [''], 'core API group only')
      assert.notProperty(rule, 'resourceNames')
      for (const resource of rule.resources) {
        assert.notInclude(resource, '*')
        assert.notInclude(resource, '/', 'no subresources (exec, attach, portforward, log)')
        for (const verb of rule.verbs) {
          assert.notEqual(verb, '*')
          granted.add(`${verb} ${resource}`)
        }
      }
    }
    const needed = ['pods', 'services', 'secrets'].flatMap((resource) =>
      ['create', 'get', 'list', 'watch', 'delete'].map((verb) => `${verb} ${resource}`)
    )
    needed.push('get events', 'list events', 'watch events')
    assert.sameMembers([...granted], needed)
  })
})
