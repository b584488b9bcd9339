import app from '@adonisjs/core/services/app'
import { cliui } from '@adonisjs/core/ace'

/** What a command did: its exit code and output, as a child process's would read. */
export type CommandResult = {
  code: number | null
  stdout: string
  stderr: string
  /** An error the command did not handle (a child would print its stack). */
  error?: unknown
}

/**
 * Runs an ace command in this process, as `node ace <name> <argv>` runs it
 * in its own, on the test run's database and services, without the four
 * seconds a child spends loading the app. The command gets a ui of its own
 * in "raw" mode, so nothing reaches the terminal and commands run side by
 * side keep their output apart. The output reads as a child's would: each
 * logged line ends with the newline console.log adds, and what a command
 * writes as is (JSON, CSV: AdminCommand.write) is kept as is.
 */
export async function aceInProcess(name: string, argv: string[]): Promise<CommandResult> {
  const ace = await app.container.make('ace')
  const ui = cliui({ mode: 'raw' })
  const command = await ace.exec(name, argv, { ui })
  const logs = ui.logger.getLogs()
  const text = (stream: 'stdout' | 'stderr') =>
    logs
      .filter((entry) => entry.stream === stream)
      .map((entry) => (entry.message.endsWith('\n') ? entry.message : `${entry.message}\n`))
      .join('')
  return {
    code: command.exitCode ?? null,
    stdout: text('stdout'),
    stderr: text('stderr'),
    error: command.error,
  }
}

/** Everything a command printed, and the stack of an error it left unhandled, for assertion messages. */
export function commandOutput(result: CommandResult) {
  const error = result.error instanceof Error ? `\n${result.error.stack}` : ''
  return result.stdout + result.stderr + error
}
