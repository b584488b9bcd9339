import type Docker from 'dockerode'
import logger from '@adonisjs/core/services/logger'
import { registryOf } from '#domain/docker_reference'
import { DEFAULT_PULL_POLICY, type PullPolicy } from '#domain/image_pull_policy'
import ImagePullFailedException from '#exceptions/image_pull_failed_exception'
import ProvisioningUnavailableException from '#exceptions/provisioning_unavailable_exception'
import { engineReason, engineStatus, isUnreachable } from '#services/provisioning/docker_errors'
import type { ProgressReporter } from '#services/provisioning/provisioning_driver'

/** A login for one registry (config/provisioning.ts, REGISTRY_*). */
export type RegistryCredentials = { server: string; username: string; password: string }

export type ImagePullSettings = {
  /** Sent only with images of `credentials.server`; null pulls anonymously. */
  registry: RegistryCredentials | null
  /** The longest a pull may take; the engine abandons it when the portal hangs up. */
  pullTimeoutMs: number
}

/** At most one progress event this often while layers download (the journal is a table). */
const PROGRESS_EVERY_MS = 2000

/** One line of the engine's pull stream (JSON messages, one per line). */
type PullMessage = {
  id?: string
  status?: string
  progressDetail?: { current?: number; total?: number }
  error?: string
  errorDetail?: { message?: string }
}

/** A pull the engine reported as failed, with its own words (logged, never shown as such). */
class PullError extends Error {}

function unreachable(reference: string) {
  return `The registry of image "${reference}" could not be reached while pulling it`
}

/** Registry answers people can act on, by the engine's wording. */
const KNOWN_PULL_FAILURES: [RegExp, (reference: string) => string][] = [
  [
    /manifest unknown|not found|name unknown|repository does not exist/i,
    (reference) => `Image "${reference}" does not exist in its registry (no such name or tag)`,
  ],
  [
    /unauthorized|authentication required|no basic auth credentials|denied|forbidden/i,
    (reference) => `The registry refused access to image "${reference}"`,
  ],
  [
    /connection refused|connection reset|no such host|i\/o timeout|EOF|dial tcp|unexpected end|server misbehaving|context deadline/i,
    unreachable,
  ],
]

function pullFailure(reference: string, reason: string) {
  const known = KNOWN_PULL_FAILURES.find(([pattern]) => pattern.test(reason))
  return known ? known[1](reference) : `Image "${reference}" could not be pulled`
}

/** The engine's answer to a create naming an image it does not hold. */
function isMissingImage(error: unknown) {
  return engineStatus(error) === 404 && /no such image/i.test(engineReason(error))
}

function megabytes(bytes: number) {
  return `${(bytes / 1_000_000).toFixed(1)} MB`
}

/** What the layers of a pull have done so far, for one progress line. */
class PullTally {
  #layers = new Map<
    string,
    { current: number; total: number; done: boolean; retrying: string | null }
  >()

  add(message: PullMessage) {
    const { id, status = '' } = message
    if (!id || status.startsWith('Pulling from')) {
      return
    }
    const layer = this.#layers.get(id) ?? { current: 0, total: 0, done: false, retrying: null }
    if (status === 'Downloading' && message.progressDetail) {
      layer.current = message.progressDetail.current ?? layer.current
      layer.total = message.progressDetail.total ?? layer.total
    }
    if (['Download complete', 'Pull complete', 'Already exists'].includes(status)) {
      layer.current = layer.total
      layer.done = true
    }
    // "Retrying in 5 seconds": the engine lost the registry and tries again.
    layer.retrying = status.startsWith('Retrying') ? status : null
    this.#layers.set(id, layer)
  }

  /** Whether the engine is waiting to try the registry again for some layer. */
  get retrying() {
    return [...this.#layers.values()].some((layer) => layer.retrying)
  }

  describe(reference: string) {
    const layers = [...this.#layers.values()]
    const current = layers.reduce((sum, layer) => sum + layer.current, 0)
    const total = layers.reduce((sum, layer) => sum + layer.total, 0)
    const done = layers.filter((layer) => layer.done).length
    const size = total > 0 ? `${megabytes(current)} of ${megabytes(total)}` : megabytes(current)
    const retry = this.retrying ? ', the registry does not answer: retrying' : ''
    return `Pulling image ${reference}: ${size}, ${done} of ${layers.length} layers${retry}`
  }
}

/**
 * Brings an image of the catalogue onto a Docker engine according to its
 * pull policy, reporting the pull's progress as the environment's events
 * (a finished pull with its facts, which the provisioner audits).
 * A failed pull throws ImagePullFailedException (the launch fails and
 * releases its quota); an engine that cannot be reached throws
 * ProvisioningUnavailableException. Registry passwords never leave the
 * X-Registry-Auth header the engine reads them from.
 */
export default class ImagePuller {
  constructor(
    protected client: Docker,
    protected settings: ImagePullSettings
  ) {}

  /** Resolves once the engine holds `reference` as `policy` requires. */
  async ensure(
    reference: string,
    policy: PullPolicy = DEFAULT_PULL_POLICY,
    progress: ProgressReporter
  ) {
    if (policy === 'if-not-present' && (await this.#present(reference))) {
      progress('image', `Image ${reference} is available`)
      return
    }
    progress('pull', `Pulling image ${reference}`)
    const seconds = await this.#pull(reference, progress)
    if (!(await this.#present(reference))) {
      throw new ImagePullFailedException(`Image "${reference}" could not be pulled`)
    }
    progress('image', `Image ${reference} pulled`, { pulledImage: { reference, seconds } })
  }

  /**
   * The "if-not-present" policy without an inspect per launch: runs `use`
   * (a container create); only when the engine answers that it lacks the
   * image is it pulled (as `ensure` does) and `use` run once more.
   */
  async pullingWhenMissing<T>(
    reference: string,
    progress: ProgressReporter,
    use: () => Promise<T>
  ): Promise<T> {
    const available = () => progress('image', `Image ${reference} is available`)
    try {
      const result = await use()
      available()
      return result
    } catch (error) {
      if (!isMissingImage(error)) {
        // Refused for another reason (a limit, a mount): the engine found the image.
        if (engineStatus(error) !== undefined) {
          available()
        }
        throw error
      }
    }
    await this.ensure(reference, 'if-not-present', progress)
    return use()
  }

  async #present(reference: string) {
    try {
      await this.client.getImage(reference).inspect()
      return true
    } catch (error) {
      if (engineStatus(error) === 404) {
        return false
      }
      throw this.#translate(reference, error)
    }
  }

  /** The engine's login for the reference's registry; none for any other registry. */
  #auth(reference: string) {
    const credentials = this.settings.registry
    if (!credentials || registryOf(reference) !== credentials.server) {
      return undefined
    }
    return {
      username: credentials.username,
      password: credentials.password,
      serveraddress: credentials.server,
    }
  }

  /** Pulls `reference`; answers how many seconds it took. */
  async #pull(reference: string, progress: ProgressReporter) {
    const startedAt = Date.now()
    const timeoutMs = this.settings.pullTimeoutMs
    // Hanging up makes the engine abandon the pull (nothing half-pulled is tagged).
    const hangUp = new AbortController()
    const timer = setTimeout(() => hangUp.abort(), timeoutMs)
    const tally = new PullTally()
    // Still retrying a lost registry when time ran out: the registry is the problem.
    const timedOut = () =>
      new ImagePullFailedException(
        tally.retrying
          ? unreachable(reference)
          : `Pulling image "${reference}" took longer than ${Math.round(timeoutMs / 1000)} s`
      )
    try {
      const authconfig = this.#auth(reference)
      const stream = await this.client.pull(reference, {
        ...(authconfig ? { authconfig } : {}),
        abortSignal: hangUp.signal,
      })
      await this.#follow(stream, reference, tally, progress)
    } catch (error) {
      throw hangUp.signal.aborted ? timedOut() : this.#translate(reference, error)
    } finally {
      clearTimeout(timer)
    }
    const seconds = Math.round((Date.now() - startedAt) / 1000)
    logger.info({ image: { reference, seconds } }, 'image pulled')
    return seconds
  }

  /** Reads the engine's pull stream to its end; rejects with the engine's error when it reports one. */
  #follow(
    stream: NodeJS.ReadableStream,
    reference: string,
    tally: PullTally,
    progress: ProgressReporter
  ) {
    let reportedAt = Date.now()
    return new Promise<void>((resolve, reject) => {
      let buffered = ''
      let failed: PullError | null = null
      let settled = false
      const settle = (error?: Error | null) => {
        if (settled) {
          return
        }
        settled = true
        const failure = error ?? failed
        if (failure) {
          reject(failure)
        } else {
          resolve()
        }
      }
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        let newline: number
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim()
          buffered = buffered.slice(newline + 1)
          let message: PullMessage
          try {
            message = JSON.parse(line)
          } catch {
            continue
          }
          if (message.error || message.errorDetail) {
            failed = new PullError(message.errorDetail?.message ?? message.error)
            continue
          }
          tally.add(message)
          if (Date.now() - reportedAt >= PROGRESS_EVERY_MS) {
            reportedAt = Date.now()
            progress('pull', tally.describe(reference))
          }
        }
      })
      stream.once('error', (error: Error) => settle(new PullError(error.message)))
      stream.once('end', () => settle())
      stream.once('close', () => settle())
    })
  }
  /** A failure as the lifecycle reports it; the engine's own words go to the log only. */
  #translate(reference: string, error: unknown): Error {
    if (error instanceof ImagePullFailedException) {
      return error
    }
    if (isUnreachable(error)) {
      return new ProvisioningUnavailableException(undefined, { cause: error })
    }
    const reason = error instanceof PullError ? error.message : engineReason(error) || String(error)
    if (!(error instanceof PullError) && engineStatus(error) === undefined) {
      return error instanceof Error ? error : new Error(reason)
    }
    logger.warn(
      { image: { reference }, docker: { status: engineStatus(error), reason } },
      'image pull failed'
    )
    return new ImagePullFailedException(pullFailure(reference, reason), { cause: error })
  }
}
