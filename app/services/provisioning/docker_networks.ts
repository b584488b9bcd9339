import { createHash } from 'node:crypto'
import type Docker from 'dockerode'
import { engineStatus } from '#services/provisioning/docker_errors'

/**
 * `DOCKER_NETWORK=isolated`: every environment gets a bridge network of its
 * own, so no two environments share a link. Who may reach an environment
 * (guacd, the portal, a web proxy) and where an environment may send
 * traffic is decided by the host's firewall, which recognises these bridges
 * by their interface name (deploy/docker/environment_firewall.sh, `pfe+`).
 */
export const ISOLATED_NETWORK = 'isolated'

/** Interface names of environment bridges start with this (the firewall matches `pfe+`). */
export const ENVIRONMENT_BRIDGE_PREFIX = 'pfe'

/** Labels on every environment network; the same keys as on containers. */
const LABELS = {
  instance: 'facility-portal.instance',
  environment: 'facility-portal.environment',
  owner: 'facility-portal.owner',
} as const

/** `<container name>-net`. */
export function environmentNetworkName(containerName: string) {
  return `${containerName}-net`
}

/**
 * `pfe` and 12 hex digits of a hash of instance and environment: Linux
 * limits interface names to 15 characters, and two installations sharing
 * one engine must not collide.
 */
export function environmentBridgeName(instanceId: string, environmentId: number) {
  const digest = createHash('sha256').update(`${instanceId}\0${environmentId}`).digest('hex')
  return `${ENVIRONMENT_BRIDGE_PREFIX}${digest.slice(0, 12)}`
}

/** Networks of this instance, of one environment when given. */
export function listEnvironmentNetworks(
  client: Docker,
  instanceId: string,
  environmentId?: number
): Promise<Docker.NetworkInspectInfo[]> {
  const label = [`${LABELS.instance}=${instanceId}`]
  if (environmentId !== undefined) {
    label.push(`${LABELS.environment}=${environmentId}`)
  }
  return client.listNetworks({ filters: { label } })
}

/**
 * Creates the network of one environment: a bridge with a known interface
 * name, not internal (allowed egress needs a gateway; the firewall denies
 * the private ranges), labelled like the container.
 */
export async function createEnvironmentNetwork(
  client: Docker,
  options: { instanceId: string; environmentId: number; ownerId: number; name: string }
) {
  await client.createNetwork({
    Name: options.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Internal: false,
    Attachable: false,
    EnableIPv6: false,
    Options: {
      'com.docker.network.bridge.name': environmentBridgeName(
        options.instanceId,
        options.environmentId
      ),
    },
    Labels: {
      [LABELS.instance]: options.instanceId,
      [LABELS.environment]: String(options.environmentId),
      [LABELS.owner]: String(options.ownerId),
    },
  })
}

/**
 * Removes the environment's networks; a network already gone is no error.
 * Its container must be removed first (the engine refuses a network in use).
 */
export async function removeEnvironmentNetworks(
  client: Docker,
  instanceId: string,
  environmentId: number
) {
  for (const network of await listEnvironmentNetworks(client, instanceId, environmentId)) {
    try {
      await client.getNetwork(network.Id).remove()
    } catch (error) {
      if (engineStatus(error) !== 404) {
        throw error
      }
    }
  }
}
