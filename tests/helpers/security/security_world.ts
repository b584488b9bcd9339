import { randomUUID } from 'node:crypto'
import type { ApiClient } from '@japa/api-client'
import User from '#models/user'
import UserRole from '#models/user_role'
import type Image from '#models/image'
import type LinkResource from '#models/link_resource'
import Notification from '#models/notification'
import EnvironmentShare from '#models/environment_share'
import type { Role } from '#models/role'
import { createUser, FACTORY_PASSWORD, UserFactory } from '#database/factories/user_factory'
import { EnvironmentFactory } from '#database/factories/environment_factory'
import { createExperiment } from '#database/factories/experiment_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { createHttpImage, setUserQuota } from '#tests/helpers/environments'
import { createLink } from '#tests/helpers/links'

/** An id no fixture ever gets (and that every id validator still accepts). */
export const MISSING_ID = 2_000_000_000

/** An image reference the test engine does not have: launches fail at once, nothing runs. */
export const UNSTARTABLE_REFERENCE = 'portal-test/absent:0'

export type ActorName = 'anonymous' | 'scientist A' | 'scientist B' | 'admin'

/** Someone signed in, and how their requests carry their credential. */
export type Person = {
  name: Exclude<ActorName, 'anonymous'>
  user: User
  session: ApiSession
}

/** A user whose password is never checked (bearer-token actors): no hashing cost. */
async function userWithoutPassword(roles: Role[]) {
  const user = await UserFactory.merge({
    username: `sec-${randomUUID().slice(0, 12)}`,
    email: null,
    displayName: null,
    provider: 'local',
    externalId: null,
    password: null,
    disabled: false,
  }).create()
  await UserRole.createMany(
    [...new Set<Role>(['scientist', ...roles])].map((role) => ({ userId: user.id, role }))
  )
  return user
}

async function bearerPerson(client: ApiClient, name: Person['name'], roles: Role[]) {
  const user = await userWithoutPassword(roles)
  const token = await User.accessTokens.create(user)
  return { name, user, session: ApiSession.withToken(client, token.value!.release()) }
}

/**
 * The people of a security test: an anonymous browser (holding an XSRF
 * token, so its unsafe requests reach authentication), scientist A in a
 * cookie session like the SPA, scientist B and an admin with personal API
 * tokens like scripts. Both credential kinds go through every decision.
 */
export async function securityWorld(client: ApiClient) {
  const anonymous = new ApiSession(client)
  ;(await anonymous.get('/api/v1/auth/csrf')).assertStatus(204)

  const userA = await createUser()
  const sessionA = new ApiSession(client)
  ;(await sessionA.login(userA.username, FACTORY_PASSWORD)).assertStatus(200)
  const a: Person = { name: 'scientist A', user: userA, session: sessionA }

  const b = await bearerPerson(client, 'scientist B', [])
  const admin = await bearerPerson(client, 'admin', ['admin'])
  return { anonymous, a, b, admin, fixtures: new SecurityFixtures(a) }
}

export type SecurityWorld = Awaited<ReturnType<typeof securityWorld>>

/**
 * Objects belonging to one person, made straight in the database (no
 * engine work): `owner` null stands for an object that does not exist.
 */
export class SecurityFixtures {
  #image: Promise<Image> | undefined
  #link: Promise<LinkResource> | undefined

  constructor(protected passwordHolder: Person) {}

  /** Credentials that sign in (scientist A's). */
  credentials() {
    return { username: this.passwordHolder.user.username, password: FACTORY_PASSWORD }
  }

  /** An enabled image every scientist may launch but the engine cannot start. */
  unstartableImage() {
    this.#image ??= createHttpImage({ reference: UNSTARTABLE_REFERENCE })
    return this.#image
  }

  userId(owner: Person | null) {
    return owner ? owner.user.id : MISSING_ID
  }

  /** An environment of the owner; "running" ones have a (dead) loopback endpoint. */
  async environment(owner: Person | null, state: 'running' | 'stopped') {
    if (!owner) {
      return MISSING_ID
    }
    const image = await this.unstartableImage()
    const environment = await EnvironmentFactory.merge({
      userId: owner.user.id,
      imageId: image.id,
      name: `${owner.name}'s ${state} environment`,
      state,
      secret: 'never-decrypted',
      endpointHost: state === 'running' ? '127.0.0.1' : null,
      endpointPort: state === 'running' ? 9 : null,
      cpuMillicores: 100,
      memoryBytes: 1024,
    }).create()
    return environment.id
  }

  /**
   * An environment of the owner tied to an experiment with one more member
   * (a colleague to share it with); `shared` makes the share already.
   */
  async shareableEnvironment(owner: Person | null, shared = false) {
    if (!owner) {
      return { id: MISSING_ID, colleague: null }
    }
    const colleague = await userWithoutPassword([])
    const experiment = await createExperiment({
      members: [owner.user, colleague],
      fields: { proposalId: `SEC-${randomUUID().slice(0, 8)}`, title: `${owner.name}'s shared` },
    })
    const image = await this.unstartableImage()
    const environment = await EnvironmentFactory.merge({
      userId: owner.user.id,
      imageId: image.id,
      experimentId: experiment.id,
      name: `${owner.name}'s shareable environment`,
      state: 'stopped',
      secret: 'never-decrypted',
      cpuMillicores: 100,
      memoryBytes: 1024,
    }).create()
    if (shared) {
      await EnvironmentShare.create({
        environmentId: environment.id,
        userId: colleague.id,
        role: 'user',
        grantedBy: owner.user.id,
        lastOpenedAt: null,
      })
    }
    return { id: environment.id, colleague }
  }

  /** A local experiment the owner is a member of, optionally with a session. */
  async experiment(owner: Person | null, session?: string) {
    if (!owner) {
      return MISSING_ID
    }
    const experiment = await createExperiment({
      members: [owner.user],
      sessions: session ? [session] : [],
      fields: {
        proposalId: `SEC-${randomUUID().slice(0, 8)}`,
        title: `${owner.name}'s experiment`,
      },
    })
    return experiment.id
  }

  /** An unread notification of the owner (an expiry warning about nothing in particular). */
  async notification(owner: Person | null) {
    if (!owner) {
      return MISSING_ID
    }
    const notification = await Notification.create({
      userId: owner.user.id,
      environmentId: null,
      kind: 'expiry_warning',
      subject: `${owner.name}'s warning`,
      body: 'Your environment expires soon.',
      link: null,
      dedupeKey: `security:${randomUUID()}`,
      readAt: null,
    })
    return notification.id
  }

  /** A second personal API token of the owner (not the one their requests use). */
  async token(owner: Person | null) {
    if (!owner) {
      return MISSING_ID
    }
    const token = await User.accessTokens.create(owner.user, ['*'], { name: 'spare' })
    return Number(token.identifier)
  }

  /** A catalogue image no environment uses (images belong to nobody; one per call). */
  async image(owner: Person | null) {
    if (!owner) {
      return MISSING_ID
    }
    return (await createHttpImage({ name: `sec-${randomUUID().slice(0, 8)}` })).id
  }

  /** A catalogue link (links belong to nobody; one per call). */
  async link(owner: Person | null) {
    if (!owner) {
      return MISSING_ID
    }
    return (await createLink({ name: `sec-${randomUUID().slice(0, 8)}` })).id
  }

  /** A templated link every scientist may open, shared by the calls of one test. */
  sharedLink() {
    this.#link ??= createLink()
    return this.#link
  }

  /** The owner's user id, with a quota override of their own. */
  async userWithQuota(owner: Person | null) {
    if (!owner) {
      return MISSING_ID
    }
    await setUserQuota(owner.user.id)
    return owner.user.id
  }
}
