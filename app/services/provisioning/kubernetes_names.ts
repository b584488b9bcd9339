/**
 * Labels of the Kubernetes objects of an environment, and the service
 * host they are reached at. The objects' name comes with the spec
 * (`engineObjectName` in app/domain/compute.ts); pod, service and secret
 * share it (names are per kind).
 */

/** Labels on every pod, service and secret; reconciliation selects by them. Ids only. */
export const KUBERNETES_LABELS = {
  instance: 'facility-portal.instance',
  environment: 'facility-portal.environment',
  owner: 'facility-portal.owner',
} as const

const MAX_LABEL = 63

/**
 * The instance id as a label value (≤ 63 of `[A-Za-z0-9_.-]`, alphanumeric
 * at both ends); written and selected the same way.
 */
export function instanceLabel(instanceId: string) {
  const value = instanceId
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, MAX_LABEL)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
  return value || 'portal'
}

/** The labels of one environment's objects. */
export function environmentLabels(instanceId: string, environmentId: number, ownerId?: number) {
  return {
    [KUBERNETES_LABELS.instance]: instanceLabel(instanceId),
    [KUBERNETES_LABELS.environment]: String(environmentId),
    ...(ownerId === undefined ? {} : { [KUBERNETES_LABELS.owner]: String(ownerId) }),
  }
}

/** `a=b,c=d`: an equality-based label selector. */
export function labelSelector(labels: Record<string, string>) {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}

/** `<service>.<namespace>.svc`: the in-cluster DNS name guacd reaches the environment at. */
export function serviceHost(name: string, namespace: string) {
  return `${name}.${namespace}.svc`
}

/** The service name and namespace back from a host of {@link serviceHost}; null otherwise. */
export function parseServiceHost(host: string) {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc$/.exec(host)
  return match ? { name: match[1], namespace: match[2] } : null
}
