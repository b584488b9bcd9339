import { compose } from '@adonisjs/core/helpers'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import { booleanColumn, CatalogueEntry } from '#models/catalogue_entry'

/**
 * A catalogue entry that is only a URL (an e-logbook, a data catalogue, a
 * JupyterHub): no container, no quota. With `proposalTemplate`, its URL
 * holds `{proposal}`, replaced by the caller's proposal id when opened
 * (app/domain/link_template.ts).
 */
export default class LinkResource extends compose(BaseModel, CatalogueEntry) {
  static table = 'link_resources'

  /** The admin's URL, or URL template with `{proposal}` in its path or query. */
  @column()
  declare url: string

  /** Whether `{proposal}` in the URL is replaced by the caller's proposal id. */
  @column(booleanColumn)
  declare proposalTemplate: boolean
}
