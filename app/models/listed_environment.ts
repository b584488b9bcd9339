import Environment from '#models/environment'
import { LISTED_COLUMNS } from '#models/environment_listed_columns'

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
