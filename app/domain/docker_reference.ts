/**
 * Container image references as Docker (and Kubernetes) accept them, after
 * the grammar of github.com/distribution/reference:
 *
 *   [host[:port]/]path[/path…][:tag][@sha256:<64 hex>]
 *
 * The first part is a registry host only when it looks like one (has a
 * dot or a port, or is "localhost"); otherwise it is a path component and
 * must be lowercase like every other. IPv6 registry addresses are not
 * accepted.
 */

/** Longest reference accepted (the column, and Docker's own limit on names). */
export const MAX_REFERENCE_LENGTH = 255

const hostLabel = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const port = ':[0-9]{1,5}'
const registry = `(?:${hostLabel}(?:\\.${hostLabel})+(?:${port})?|${hostLabel}${port}|localhost)`
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const tag = ':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}'
const digest = '@sha256:[a-f0-9]{64}'

const REFERENCE = new RegExp(
  `^(?:${registry}/)?${pathComponent}(?:/${pathComponent})*(?:${tag})?(?:${digest})?$`
)

/** Whether `value` is a well-formed image reference. */
export function isImageReference(value: string) {
  return value.length <= MAX_REFERENCE_LENGTH && REFERENCE.test(value)
}

const REGISTRY_HOST = new RegExp(`^${registry}$`)

/**
 * The registry a (well-formed) reference is pulled from, as Docker decides
 * it: its first part when that looks like a host, Docker Hub ("docker.io")
 * otherwise. Credentials are only ever sent to the registry they belong to.
 */
export function registryOf(reference: string) {
  const [first, ...rest] = reference.split('/')
  return rest.length > 0 && REGISTRY_HOST.test(first) ? first.toLowerCase() : 'docker.io'
}
