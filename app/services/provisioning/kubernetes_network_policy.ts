import { BlockList, isIP } from 'node:net'
import type { V1NetworkPolicy, V1NetworkPolicyPeer } from '@kubernetes/client-node'
import { canonicalCidr, PRIVATE_RANGES } from '#domain/cidr_blocks'
import type { LabelSelector } from '#domain/label_selectors'

/**
 * The NetworkPolicy each environment pod gets, created before its pod and
 * deleted after it (kubernetes_driver.ts). Its meaning follows Zero to
 * JupyterHub's user pods and matches the Docker topology:
 *
 * - ingress: only from the access pods (guacd, the portal's proxy) chosen
 *   by namespace and label selector, and only on the service port; other
 *   environments and everything else are refused;
 * - egress: DNS (port 53) to kube-system and private resolvers; any public
 *   address; nothing private (RFC 1918, CGNAT, link-local with the cloud
 *   metadata server 169.254.169.254, IPv6 ULA and link-local), so neither
 *   other pods, guacd, the portal, the facility network, nor the API server
 *   (its service address is private; public endpoints are listed in
 *   KUBERNETES_API_SERVER_CIDRS); plus the ENVIRONMENT_EGRESS_ALLOW blocks
 *   (never the metadata server itself).
 *
 * NetworkPolicies only ever add what they allow: a CNI that enforces them is
 * required, and an allow-listed block wins over every denial here.
 */

/** Where the pods that may open connections to environments run. */
export type AccessPeers = {
  /** Their namespace (the portal's). */
  namespace: string
  /** Which pods of it: guacd and the portal by default. */
  pods: LabelSelector
}

/** What the policy needs besides the environment. */
export type NetworkPolicyOptions = {
  access: AccessPeers
  /** CIDR blocks environments may reach despite the denial (ENVIRONMENT_EGRESS_ALLOW). */
  egressAllow: string[]
  /** CIDR blocks of the API server's endpoints, denied even when public. */
  apiServer: string[]
}

/** The cloud metadata server (AWS, GCP, Azure, OpenStack): never reachable. */
const METADATA_SERVER = '169.254.169.254/32'

/** Whether the IPv4 block `outer` contains the address of `inner` (`a.b.c.d/32`). */
function contains(outer: string, inner: string) {
  const [address, prefix] = outer.split('/')
  if (isIP(address) !== 4) {
    return false
  }
  const list = new BlockList()
  list.addSubnet(address, Number(prefix), 'ipv4')
  return list.check(inner.split('/')[0], 'ipv4')
}

/** Where cluster DNS may answer: RFC 1918 (node-local caches use 169.254.20.10 on some clusters). */
const DNS_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']

const NAMESPACE_LABEL = 'kubernetes.io/metadata.name'

function ipBlocks(cidrs: readonly string[]) {
  return cidrs.map((cidr) => ({ ipBlock: { cidr } }))
}

/**
 * The NetworkPolicy of one environment, as the client's model (`_from`
 * is sent as `from`): `podSelector` selects its pod by
 * the environment's labels, `port` is its service port (0: nothing may
 * connect to it).
 */
export function environmentNetworkPolicy(
  metadata: { name: string; namespace: string; labels: Record<string, string> },
  podLabels: Record<string, string>,
  port: number,
  options: NetworkPolicyOptions
): V1NetworkPolicy {
  const denied = options.apiServer.map(canonicalCidr)
  const except = (family: 4 | 6) => [
    ...(family === 4 ? PRIVATE_RANGES.ipv4 : PRIVATE_RANGES.ipv6),
    // A /0 cannot be excepted from a /0: such a setting already denies nothing more.
    ...denied
      .filter((block) => block.family === family && !block.cidr.endsWith('/0'))
      .map((block) => block.cidr),
  ]
  const accessPeer: V1NetworkPolicyPeer = {
    namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: options.access.namespace } },
    podSelector: options.access.pods,
  }
  const allowed = [...new Set(options.egressAllow.map((block) => canonicalCidr(block).cidr))]
    // The cloud metadata server stays out of reach whatever is allowed (as on Docker).
    .filter((cidr) => cidr !== METADATA_SERVER)
    .map((cidr) =>
      contains(cidr, METADATA_SERVER) ? { cidr, except: [METADATA_SERVER] } : { cidr }
    )
  const dnsPorts = [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ]
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata,
    spec: {
      podSelector: { matchLabels: podLabels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: port > 0 ? [{ _from: [accessPeer], ports: [{ protocol: 'TCP', port }] }] : [],
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: 'kube-system' } } },
            ...ipBlocks(DNS_RANGES),
          ],
          ports: dnsPorts,
        },
        {
          to: [
            { ipBlock: { cidr: '0.0.0.0/0', except: [...new Set(except(4))] } },
            { ipBlock: { cidr: '::/0', except: [...new Set(except(6))] } },
          ],
        },
        ...(allowed.length ? [{ to: allowed.map((ipBlock) => ({ ipBlock })) }] : []),
      ],
    },
  }
}
