import env from '#start/env'
import { FakeKubernetesApi } from '#tests/helpers/fake_kubernetes_api'

/**
 * The Kubernetes API server the portal under test talks to (.env.test:
 * KUBERNETES_SERVER, KUBERNETES_TOKEN). Started once per run; tests of
 * the API lifecycle reset it. Driver tests start their own on port 0.
 */
export const testKubernetes = new FakeKubernetesApi({
  token: env.get('KUBERNETES_TOKEN')?.release(),
})

export function testKubernetesPort() {
  return Number(new URL(env.get('KUBERNETES_SERVER') ?? 'http://127.0.0.1:46303').port)
}
