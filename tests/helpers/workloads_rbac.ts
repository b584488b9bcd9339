import { readFile } from 'node:fs/promises'
import { loadAllYaml } from '@kubernetes/client-node'
import type { KubeRequest } from '#tests/helpers/fake_kubernetes_api'

/** The objects of deploy/kubernetes/workloads-rbac.yaml, as parsed. */
export async function workloadsRbac(): Promise<Record<string, any>[]> {
  const text = await readFile(
    new URL('../../deploy/kubernetes/workloads-rbac.yaml', import.meta.url),
    'utf8'
  )
  return loadAllYaml(text) as Record<string, any>[]
}

/** The RBAC verb, API group and resource of a request to the fake API server (null for /version). */
export function permissionOf(request: KubeRequest) {
  const match =
    /^\/(?:api\/v1|apis\/([a-z0-9.-]+)\/v1)\/namespaces\/[^/]+\/([a-z]+)(\/[^/]+)?$/.exec(
      request.path
    )
  if (!match) {
    return null
  }
  const [, group = '', resource, name] = match
  const verb =
    request.method === 'POST'
      ? 'create'
      : request.method === 'DELETE'
        ? 'delete'
        : request.query.watch === 'true'
          ? 'watch'
          : name
            ? 'get'
            : 'list'
  return { verb, group, resource }
}

/** Whether the Role of the file lets the portal make this request. */
export function roleAllows(role: Record<string, any>, request: KubeRequest) {
  const permission = permissionOf(request)
  if (!permission) {
    return true
  }
  return (role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).some(
    (rule) =>
      rule.apiGroups.includes(permission.group) &&
      rule.resources.includes(permission.resource) &&
      rule.verbs.includes(permission.verb)
  )
}
