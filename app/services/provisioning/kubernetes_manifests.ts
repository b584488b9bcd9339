import { isAbsolute, relative } from 'node:path'
import type {
  V1Container,
  V1EnvVar,
  V1NetworkPolicy,
  V1Pod,
  V1Secret,
  V1Service,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node'
import {
  environmentNetworkPolicy,
  type NetworkPolicyOptions,
} from '#services/provisioning/kubernetes_network_policy'
import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'
import type { MountMode } from '#domain/dataset_mounts'
import { DEFAULT_PULL_POLICY, kubernetesPullPolicy } from '#domain/image_pull_policy'
import { environmentLabels } from '#services/provisioning/kubernetes_names'
import type { EnvironmentSpec } from '#services/provisioning/provisioning_driver'

/** The key of the per-environment Secret holding PORTAL_SECRET. */
export const SECRET_KEY = 'secret'

/** The name of the service port (≤ 15 characters, IANA_SVC_NAME). */
const PORT_NAME = 'service'

/** How dataset and output folders reach the pod. */
export type KubernetesVolumes =
  /** The nodes see the host paths themselves (shared file system mounted on every node). */
  | { mode: 'hostPath' }
  /** Two claims hold DATASETS_ROOT and OUTPUT_ROOT; a mount is a subPath of one. */
  | {
      mode: 'pvc'
      datasetsClaim: string
      outputClaim: string
      datasetsRoot: string
      outputRoot: string
    }

/** What the manifests need besides the spec. */
export type ManifestOptions = {
  instanceId: string
  namespace: string
  volumes: KubernetesVolumes
  siteMounts: { hostPath: string; containerPath: string; mode: MountMode }[]
  /** Already checked: never root. */
  user: { uid: number; gid: number }
  /** Who may connect to the environment and where it may connect to. */
  network: NetworkPolicyOptions
  /** Secrets of the namespace holding registry logins (pod `imagePullSecrets`). */
  imagePullSecrets?: string[]
}

/** The four objects of one environment. */
export type EnvironmentManifests = {
  secret: V1Secret
  service: V1Service
  pod: V1Pod
  networkPolicy: V1NetworkPolicy
}

function metadata(spec: EnvironmentSpec, options: ManifestOptions) {
  return {
    name: spec.name,
    namespace: options.namespace,
    labels: environmentLabels(options.instanceId, spec.environmentId, spec.owner.id),
  }
}

/** `path` relative to `root`; a mount outside the claim's root cannot be expressed. */
function subPath(root: string, path: string) {
  const inside = relative(root, path)
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ProvisioningFailedException('A folder to mount is outside the shared volumes')
  }
  return inside
}

/** Volumes and mounts: datasets read-only, output read-write, site folders read-only. */
function storage(spec: EnvironmentSpec, options: ManifestOptions) {
  const volumes: V1Volume[] = []
  const mounts: V1VolumeMount[] = []
  const { volumes: mode } = options
  if (mode.mode === 'pvc') {
    const readOnly = spec.mounts.filter((mount) => mount.mode === 'ro')
    const readWrite = spec.mounts.filter((mount) => mount.mode === 'rw')
    if (readOnly.length) {
      volumes.push({
        name: 'datasets',
        persistentVolumeClaim: { claimName: mode.datasetsClaim, readOnly: true },
      })
    }
    if (readWrite.length) {
      volumes.push({ name: 'output', persistentVolumeClaim: { claimName: mode.outputClaim } })
    }
    for (const mount of readOnly) {
      mounts.push({
        name: 'datasets',
        mountPath: mount.containerPath,
        subPath: subPath(mode.datasetsRoot, mount.hostPath),
        readOnly: true,
      })
    }
    for (const mount of readWrite) {
      mounts.push({
        name: 'output',
        mountPath: mount.containerPath,
        subPath: subPath(mode.outputRoot, mount.hostPath),
        readOnly: false,
      })
    }
  } else {
    spec.mounts.forEach((mount, index) => {
      volumes.push({
        name: `mount-${index}`,
        hostPath: { path: mount.hostPath, type: 'Directory' },
      })
      mounts.push({
        name: `mount-${index}`,
        mountPath: mount.containerPath,
        readOnly: mount.mode === 'ro',
      })
    })
  }
  // A read-only root still needs somewhere to write scratch files.
  if (spec.image.readOnlyRootFilesystem) {
    volumes.push({ name: 'scratch-tmp', emptyDir: {} })
    mounts.push({ name: 'scratch-tmp', mountPath: '/tmp' })
  }
  // Site folders are node paths whatever the volume mode, and never writable.
  options.siteMounts.forEach((mount, index) => {
    volumes.push({ name: `site-${index}`, hostPath: { path: mount.hostPath, type: 'Directory' } })
    mounts.push({ name: `site-${index}`, mountPath: mount.containerPath, readOnly: true })
  })
  return { volumes, mounts }
}

/** Requests equal limits (Guaranteed QoS): the reservation is exactly what the pod gets. */
function resources({ resources: reserved }: EnvironmentSpec) {
  const amounts: Record<string, string> = {
    cpu: `${reserved.cpuMillicores}m`,
    memory: String(reserved.memoryBytes),
  }
  if (reserved.storageBytes > 0) {
    amounts['ephemeral-storage'] = String(reserved.storageBytes)
  }
  if (reserved.gpus > 0) {
    amounts['nvidia.com/gpu'] = String(reserved.gpus)
  }
  return { requests: { ...amounts }, limits: { ...amounts } }
}

function environmentVariables(spec: EnvironmentSpec, secretName: string): V1EnvVar[] {
  const portal = {
    PORTAL_SERVICE_PORT: String(spec.image.port),
    PORTAL_ENVIRONMENT_ID: String(spec.environmentId),
  }
  // The image cannot override the PORTAL_* variables.
  const fromImage = Object.entries(spec.image.environment).filter(
    ([name]) => name !== 'PORTAL_SECRET' && !(name in portal)
  )
  return [
    ...[...fromImage, ...Object.entries(portal)].map(([name, value]) => ({ name, value })),
    // A reference, never the value: pod specs are readable by more people than secrets.
    { name: 'PORTAL_SECRET', valueFrom: { secretKeyRef: { name: secretName, key: SECRET_KEY } } },
  ]
}

/**
 * The Secret, ClusterIP Service, NetworkPolicy and Pod of an environment.
 *
 * A bare Pod, not a Deployment or StatefulSet: the portal is the
 * controller. Stop deletes the pod and keeps the record, start creates it
 * again; a controller would recreate pods the user stopped and fight the
 * reconciler over failed ones. restartPolicy Never for the same reason: a
 * crashed environment is reported failed, not silently restarted.
 */
export function environmentManifests(
  spec: EnvironmentSpec,
  options: ManifestOptions
): EnvironmentManifests {
  const meta = metadata(spec, options)
  const { volumes, mounts } = storage(spec, options)
  const { uid, gid } = options.user
  const seccompProfile = { type: 'RuntimeDefault' }
  const port = spec.image.port

  const container: V1Container = {
    name: 'environment',
    image: spec.image.reference,
    imagePullPolicy: kubernetesPullPolicy(spec.image.pullPolicy ?? DEFAULT_PULL_POLICY),
    ...(spec.image.command?.length ? { command: spec.image.command } : {}),
    env: environmentVariables(spec, meta.name),
    resources: resources(spec),
    ...(port > 0
      ? {
          ports: [{ name: PORT_NAME, containerPort: port, protocol: 'TCP' }],
          // The kubelet checks the port: the portal never connects to cluster addresses.
          readinessProbe: { tcpSocket: { port }, periodSeconds: 2, failureThreshold: 1 },
        }
      : {}),
    volumeMounts: mounts,
    securityContext: {
      runAsUser: uid,
      runAsGroup: gid,
      runAsNonRoot: true,
      privileged: false,
      readOnlyRootFilesystem: Boolean(spec.image.readOnlyRootFilesystem),
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile,
    },
  }

  return {
    networkPolicy: environmentNetworkPolicy(
      meta,
      environmentLabels(options.instanceId, spec.environmentId),
      port,
      options.network
    ),
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta,
      type: 'Opaque',
      stringData: { [SECRET_KEY]: spec.secret },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta,
      spec: {
        // Reachable inside the cluster only (guacd runs there); never NodePort.
        type: 'ClusterIP',
        selector: environmentLabels(options.instanceId, spec.environmentId),
        ports: port > 0 ? [{ name: PORT_NAME, port, targetPort: port, protocol: 'TCP' }] : [],
      },
    },
    pod: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta,
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        // No *_SERVICE_HOST variables of every service of the namespace.
        enableServiceLinks: false,
        // Registry logins: secrets the admins keep in the namespace, named here, never read.
        ...(options.imagePullSecrets?.length
          ? { imagePullSecrets: options.imagePullSecrets.map((name) => ({ name })) }
          : {}),
        securityContext: { runAsUser: uid, runAsGroup: gid, runAsNonRoot: true, seccompProfile },
        containers: [container],
        volumes,
      },
    },
  }
}
