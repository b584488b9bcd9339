import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { BaseSerializer } from '@adonisjs/core/transformers'
import User from '#models/user'
import RequestOrigin from '#services/request_origin'
import NotFoundException from '#exceptions/not_found_exception'
import { toApiErrors } from '#exceptions/api_error'

/** The API's `{data}` wrapping, without the HTTP context (lists print every page, no `meta`). */
class DataSerializer extends BaseSerializer<{
  Wrap: 'data'
  PaginationMetaData: Record<string, unknown>
}> {
  wrap: 'data' = 'data'

  definePaginationMetaData(metaData: unknown) {
    return metaData as Record<string, unknown>
  }
}

const serializer = new DataSerializer()

/**
 * What the administration commands share. They call the same services as
 * the admin endpoints, as the operator: no portal account, so the audit
 * trail shows no actor and the user agent "ace", like user:create. JSON
 * and CSV go to stdout untouched for scripts (log lines go to stderr), and
 * whatever the API would answer with a 4xx or 503 becomes one line on
 * stderr and exit code 1. Commands import services inside `run`: ace
 * loads every command file on each start, and the engine clients the
 * environment services pull in are slow to load. (The leading underscore
 * keeps ace from loading this file as a command of its own.)
 */
export default abstract class AdminCommand extends BaseCommand {
  static options: CommandOptions = { startApp: true }

  /** The acting admin the services record: none, for the operator at the command line. */
  protected readonly operator = null

  protected readonly origin = RequestOrigin.cli()

  /** The account with this username; an unknown one is an error naming it. */
  protected async findUser(username: string) {
    const user = await User.findBy('username', username)
    if (!user) {
      throw new NotFoundException(`User "${username}" not found`)
    }
    return user
  }

  /** The id of the account with this username, for an optional filter (undefined without one). */
  protected async userIdOf(username: string | undefined) {
    if (username === undefined) {
      return undefined
    }
    const user = await this.findUser(username)
    return user.id
  }

  /** Every row of a paginated service query, page after page. */
  protected async everyPage<Row>(
    pageOf: (page: number) => Promise<{ all(): Row[]; lastPage: number }>
  ) {
    const rows: Row[] = []
    for (let page = 1; ; page++) {
      const result = await pageOf(page)
      rows.push(...result.all())
      if (page >= result.lastPage) {
        return rows
      }
    }
  }

  /** A transformer's output as the API's response body (`{data: …}`). */
  protected serialize(resource: Parameters<DataSerializer['serialize']>[0]) {
    return serializer.serialize(resource, this.app.container.createResolver())
  }

  /**
   * Writes to stdout as is, waiting while the pipe is full. When the ui
   * is not the console's (tests run a command in their own process with a
   * "raw" ui), the text goes to its logger, which keeps it.
   */
  protected async write(text: string) {
    // cliui's raw mode renders into memory (a renderer with getLogs).
    if ('getLogs' in this.logger.getRenderer()) {
      this.logger.log(text)
      return
    }
    if (!process.stdout.write(text)) {
      await new Promise((resolve) => process.stdout.once('drain', resolve))
    }
  }

  protected printJson(body: unknown) {
    return this.write(`${JSON.stringify(body, null, 2)}\n`)
  }

  /**
   * Ace's hook after `run`: an error a client of the API would be told
   * about (unknown user, bad value, wrong state, database down) is printed
   * as one line; anything else is left to ace, which prints its stack.
   */
  async completed() {
    if (!this.error) {
      return false
    }
    const { status, errors } = toApiErrors(this.error)
    if (status >= 500 && status !== 502 && status !== 503) {
      return false
    }
    this.logger.error(
      errors.map((entry) => (entry.field ? `${entry.field}: ` : '') + entry.message).join('; ')
    )
    this.exitCode = 1
    return true
  }
}
