import Environment from '#models/environment'
import type Image from '#models/image'
import { plainAttributes } from '#models/plain_attributes'
import { LISTED_COLUMNS } from '#models/environment_listed_columns'

/**
 * One environment of a list, read as a plain row: its listed columns as
 * the model reads them, with its image's name and protocol and its
 * owner's username joined in, so that a page is one statement rather than
 * one plus a preload per relation.
 */
export type ListedEnvironment = Pick<
  Environment,
  | 'id'
  | 'userId'
  | 'imageId'
  | 'experimentId'
  | 'sessionId'
  | 'name'
  | 'driver'
  | 'state'
  | 'failureReason'
  | 'endpointHost'
  | 'endpointPort'
  | 'cpuMillicores'
  | 'memoryBytes'
  | 'storageBytes'
  | 'gpus'
  | 'expiresAt'
  | 'lastActivityAt'
  | 'createdAt'
  | 'updatedAt'
> & {
  /** Null only if the image row is missing (the foreign key keeps it). */
  image: Pick<Image, 'name' | 'protocol'> | null
  ownerUsername: string | null
}

type EnvironmentsQuery = ReturnType<typeof Environment.query>

/**
 * The query of a list of environments: listed columns, image and owner
 * joined. `narrow` may start it elsewhere (such as from the ids a list is
 * made of, joining the environments to them) before those joins.
 */
export function listedEnvironmentsQuery(
  narrow: (query: EnvironmentsQuery) => EnvironmentsQuery = (query) => query
) {
  return narrow(Environment.query())
    .select(LISTED_COLUMNS.map((column) => `environments.${column}`))
    .select(
      'listed_images.name as listed_image_name',
      'listed_images.protocol as listed_image_protocol',
      // The owner's name only: never the password hash or anything else of the account.
      'listed_owners.username as listed_owner_username'
    )
    .leftJoin('images as listed_images', 'listed_images.id', 'environments.image_id')
    .leftJoin('users as listed_owners', 'listed_owners.id', 'environments.user_id')
}

/** A row of `listedEnvironmentsQuery()` (with `pojo()`) as a listed environment. */
export function listedEnvironment(row: Record<string, unknown>): ListedEnvironment {
  const {
    listed_image_name: imageName,
    listed_image_protocol: imageProtocol,
    listed_owner_username: ownerUsername,
    ...columns
  } = row
  return {
    ...(plainAttributes(Environment, columns) as Omit<
      ListedEnvironment,
      'image' | 'ownerUsername'
    >),
    image:
      imageName === null || imageName === undefined
        ? null
        : { name: imageName as string, protocol: imageProtocol as Image['protocol'] },
    ownerUsername: (ownerUsername as string | null | undefined) ?? null,
  }
}
