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
      assert.lengthOf(rule.apiGroups, 1, 'one API group per rule')
      assert.include(['', 'networking.k8s.io'], rule.apiGroups[0], 'core and networking only')
      assert.notProperty(rule, 'resourceNames')
      for (const resource of rule.resources) {
        assert.notInclude(resource, '*')
        assert.notInclude(resource, '/', 'no subresources (exec, attach, portforward, log)')
        for (const verb of rule.verbs) {
          assert.notEqual(verb, '*')
          granted.add(`${verb} ${rule.apiGroups[0] || 'core'}/${resource}`)
        }
      }
    }
    const needed = ['pods', 'services', 'secrets'].flatMap((resource) =>
      ['create', 'get', 'list', 'watch', 'delete'].map((verb) => `${verb} core/${resource}`)
    )
    needed.push('get core/events', 'list core/events', 'watch core/events')
    // Never patch or update: a policy is replaced whole, never loosened in place.
    needed.push(
      'create networking.k8s.io/networkpolicies',
      'list networking.k8s.io/networkpolicies',
      'delete networking.k8s.io/networkpolicies'
    )
    assert.sameMembers([...granted], needed)
  })
})
