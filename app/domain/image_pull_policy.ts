/**
 * When the engine pulls an image of the catalogue, after Kubernetes'
 * `imagePullPolicy`: `if-not-present` uses what the engine already has
 * and pulls only a missing image; `always` asks the registry at every
 * launch (a moving tag such as `:latest` then gets its newest build).
 */
export const PULL_POLICIES = ['if-not-present', 'always'] as const

export type PullPolicy = (typeof PULL_POLICIES)[number]

export const DEFAULT_PULL_POLICY: PullPolicy = 'if-not-present'

/** Kubernetes' spelling of a pull policy (a pod's `imagePullPolicy`). */
export function kubernetesPullPolicy(policy: PullPolicy): 'IfNotPresent' | 'Always' {
  return policy === 'always' ? 'Always' : 'IfNotPresent'
}
