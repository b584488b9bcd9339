import Environment from '#models/environment'
import type Image from '#models/image'
import { LISTED_COLUMNS } from '#models/environment_listed_columns'
import { isoFromDriver } from '#models/driver_timestamp'
import type { EnvironmentColumns } from '#transformers/environment_transformer'

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

/** An environment of a list read by `listedEnvironmentsQuery`, its image joined. */
export type ListedEnvironmentRow = EnvironmentColumns & {
  userId: number
  image: Pick<Image, 'name' | 'protocol'> | null
}

/**
 * A row of `listedEnvironmentsQuery` as the model would read it (dates as
 * the API shows them), with its image: what the scientist's and the admins'
 * lists both show; each adds its own columns.
 */
export function listedEnvironmentRow(row: Record<string, unknown>): ListedEnvironmentRow {
  return {
    id: row.id as number,
    userId: row.user_id as number,
    name: row.name as string,
    state: row.state as ListedEnvironmentRow['state'],
    driver: row.driver as ListedEnvironmentRow['driver'],
    imageId: row.image_id as number,
    expiresAt: isoFromDriver(row.expires_at as Date | string)!,
    createdAt: isoFromDriver(row.created_at as Date | string)!,
    updatedAt: isoFromDriver(row.updated_at as Date | string)!,
    failureReason: row.failure_reason as string | null,
    lastActivityAt: isoFromDriver(row.last_activity_at as Date | string | null),
    experimentId: row.experiment_id as number | null,
    sessionId: row.session_id as number | null,
    cpuMillicores: row.cpu_millicores as number,
    // As the model reads them (`consume: Number`): MySQL's BIGINT may come as text.
    memoryBytes: Number(row.memory_bytes),
    storageBytes: Number(row.storage_bytes),
    gpus: row.gpus as number,
    image:
      row.listed_image_name === null || row.listed_image_name === undefined
        ? null
        : {
            name: row.listed_image_name as string,
            protocol: row.listed_image_protocol as Image['protocol'],
          },
  }
}
