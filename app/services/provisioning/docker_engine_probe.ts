import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import {
  assertSupportedApiVersion,
  clientOptions,
  type DockerConnection,
} from '#services/provisioning/docker_client'

/** Longest answer of GET /version read (the engine's is under 1 KiB). */
const MAX_ANSWER_BYTES = 64 * 1024

/**
 * Asks an engine its version over plain HTTP (the Unix socket, or tcp://
 * with the same TLS files as dockerode) and refuses one that is too old,
 * within the connection's timeout. The readiness check pings the engine
 * every few seconds: answering it this way keeps dockerode, with grpc-js,
 * protobufjs and ssh2, out of a portal that has not used the engine yet
 * (docs/deployment.md, "Memory"). Rejects with the error of the failed
 * call, as dockerode would.
 */
export async function probeEngine(connection: DockerConnection): Promise<void> {
  const options = await clientOptions(connection)
  const request = options.protocol === 'https' ? httpsRequest : httpRequest
  const body = await new Promise<string>((resolve, reject) => {
    const call = request(
      {
        method: 'GET',
        path: '/version',
        ...(options.socketPath
          ? { socketPath: options.socketPath as string }
          : { host: options.host, port: options.port }),
        ca: options.ca as string | undefined,
        cert: options.cert as string | undefined,
        key: options.key as string | undefined,
        timeout: connection.timeoutMs,
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          text += chunk
          if (text.length > MAX_ANSWER_BYTES) {
            response.destroy(new Error('the engine answered more than its version'))
          }
        })
        response.on('error', reject)
        response.on('end', () => {
          if (response.statusCode === 200) {
            resolve(text)
          } else {
            reject(
              Object.assign(new Error(`the engine answered ${response.statusCode}`), {
                statusCode: response.statusCode,
              })
            )
          }
        })
      }
    )
    call.on('timeout', () =>
      call.destroy(
        Object.assign(new Error('the engine did not answer in time'), { code: 'ETIMEDOUT' })
      )
    )
    call.on('error', reject)
    call.end()
  })
  const { ApiVersion: apiVersion } = JSON.parse(body) as { ApiVersion: string }
  assertSupportedApiVersion(apiVersion)
}
