import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import provisioningConfig from '#config/provisioning'
import app from '@adonisjs/core/services/app'
import DockerEngines, { type DockerConnection } from '#services/provisioning/docker_client'

/** Images scripts/lib/build_test_images.sh loads into the test engine. */
export const TEST_IMAGES = {
  /** busybox, user "portal" 1000:1000, /tmp 1777; sleeps by default. */
  busybox: 'portal-test/busybox:1',
  /** The same, serving /tmp with busybox httpd on 127.0.0.1:$PORTAL_SERVICE_PORT by default. */
  httpd: 'portal-test/httpd:1',
}

/** The connection of the test engine (scripts/test.sh exports DOCKER_SOCKET). */
export function testConnection(): DockerConnection {
  const { docker } = provisioningConfig
  return {
    socketPath: docker.socketPath,
    hostUrl: docker.hostUrl,
    tls: docker.tls,
    timeoutMs: docker.timeoutMs,
  }
}

/** A dockerode client of the test engine, to look at containers behind the driver's back. */
export async function testEngine(): Promise<Docker> {
  const engines = await app.container.make(DockerEngines)
  const { client } = await engines.connect(testConnection())
  return client
}

/** Runs a command in a running container (as its user); resolves its exit code and output. */
export async function execIn(client: Docker, containerId: string, command: string[]) {
  const exec = await client.getContainer(containerId).exec({
    Cmd: command,
    AttachStdout: true,
    AttachStderr: true,
  })
  const stream = await exec.start({ hijack: true, stdin: false })
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const output = { stdout: '', stderr: '' }
  stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()))
  stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()))
  // Non-TTY output is multiplexed: one stream carries both, in frames.
  client.modem.demuxStream(stream, stdout, stderr)
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', reject)
  })
  const { ExitCode: exitCode } = await exec.inspect()
  return { exitCode, ...output }
}
