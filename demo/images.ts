/*
 * The demo's analysis images and their catalogue entries. "debian" (the
 * default) builds real applications from Debian packages
 * (scripts/lib/build_demo_images.sh); "test" loads the test suite's
 * busybox images (scripts/lib/build_test_images.sh), which take seconds:
 * the demo's own test uses them.
 */
import { join } from 'node:path'
import { hasImage, type Engine } from './engine.ts'
import { run } from './processes.ts'

export type ImageSet = 'debian' | 'test'

/** A catalogue entry as POST /api/v1/admin/images takes it. */
export type CatalogueEntry = {
  name: string
  description: string
  reference: string
  driver: 'docker'
  protocol: 'http' | 'vnc'
  port: number
  cpu: string
  memory: string
  environment: Record<string, string>
  command?: string[]
  requiresExperiment: boolean
}

// On the host network (the demo's) services must listen on loopback only.
const LOOPBACK = { LISTEN_ADDRESS: '127.0.0.1' }

const CATALOGUES: Record<ImageSet, CatalogueEntry[]> = {
  debian: [
    {
      name: 'Jupyter Notebook',
      description:
        "Jupyter Notebook with NumPy, Matplotlib and h5py (Debian packages). The session's data is read-only under data/, results go to output/.",
      reference: 'facility-portal-demo/jupyter:1',
      driver: 'docker',
      protocol: 'http',
      port: 8888,
      cpu: '2',
      memory: '4Gi',
      // The environment's secret is the notebook's token: the owner's URL carries it.
      environment: { ...LOOPBACK, WEB_TOKEN_PARAM: 'token' },
      requiresExperiment: true,
    },
    {
      name: 'Analysis desktop (in the browser)',
      description:
        'A Linux desktop (JWM, xterm, HDF5 tools, Python with h5py) opened in the browser through noVNC.',
      reference: 'facility-portal-demo/desktop:1',
      driver: 'docker',
      protocol: 'http',
      port: 6080,
      cpu: '1',
      memory: '2Gi',
      environment: { ...LOOPBACK, DESKTOP_WEB: '1', WEB_TOKEN_PARAM: 'password' },
      requiresExperiment: true,
    },
    {
      name: 'Analysis desktop (VNC through Guacamole)',
      description:
        'The same desktop over plain VNC, opened through Apache Guacamole. The demo runs no Guacamole: it starts, but opening it answers that no remote access is configured; admins see its address in the environments list.',
      reference: 'facility-portal-demo/desktop:1',
      driver: 'docker',
      protocol: 'vnc',
      port: 5900,
      cpu: '1',
      memory: '2Gi',
      environment: { ...LOOPBACK },
      requiresExperiment: true,
    },
  ],
  test: [
    {
      name: 'Web server (test image)',
      description: "busybox httpd serving the session's data (/data) read-only.",
      reference: 'portal-test/httpd:1',
      driver: 'docker',
      protocol: 'http',
      port: 8080,
      cpu: '250m',
      memory: '64Mi',
      environment: {},
      command: ['/bin/sh', '-c', 'exec httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /data'],
      requiresExperiment: true,
    },
    {
      name: 'Desktop placeholder (test image, VNC)',
      description: 'Answers on its port like a VNC server would; nothing to see.',
      reference: 'portal-test/httpd:1',
      driver: 'docker',
      protocol: 'vnc',
      port: 5900,
      cpu: '250m',
      memory: '64Mi',
      environment: {},
      requiresExperiment: true,
    },
  ],
}

export function catalogue(set: ImageSet) {
  return CATALOGUES[set]
}

/** The image the demo's HDF5 files are written with (h5py), when the set has one. */
export function hdf5Image(set: ImageSet) {
  return set === 'debian' ? 'facility-portal-demo/jupyter:1' : null
}

/** References of the set the engine does not hold yet. */
export async function missingImages(engine: Engine, set: ImageSet) {
  const references = [...new Set(CATALOGUES[set].map((entry) => entry.reference))]
  const present = await Promise.all(references.map((reference) => hasImage(engine, reference)))
  return references.filter((_, index) => !present[index])
}

/** Builds (or loads) the set's missing images; progress lines go to `onLine`. */
export async function buildImages(
  engine: Engine,
  set: ImageSet,
  cacheDir: string,
  onLine: (line: string) => void
) {
  const args =
    set === 'debian'
      ? ['scripts/lib/build_demo_images.sh', engine.socket, join(cacheDir)]
      : ['scripts/lib/build_test_images.sh', engine.socket]
  await run('bash', args, { onLine, timeoutMs: 60 * 60_000 })
}
