/*
 * The demo facility's User Office, as a process of its own: the test
 * suite's contract fixture (tests/helpers/user_office_server.ts) serving
 * real HTTP on 127.0.0.1. It reads what to serve as JSON on standard input
 * (so no password is written to disk or put in the environment), prints
 * "listening <url>" once it accepts connections, and stops on SIGTERM or
 * SIGINT.
 */
import { text } from 'node:stream/consumers'
import { UserOfficeServer, type UoExperiment } from '../tests/helpers/user_office_server.ts'

export type UserOfficeInput = {
  serviceUsername: string
  servicePassword: string
  accounts: { username: string; password: string }[]
  experiments: Record<string, UoExperiment[]>
}

const input = JSON.parse(await text(process.stdin)) as UserOfficeInput

const server = new UserOfficeServer({
  serviceUsername: input.serviceUsername,
  servicePassword: input.servicePassword,
})
for (const account of input.accounts) {
  server.addAccount(account)
  server.setAuthorized(account.username, true)
}
for (const [username, experiments] of Object.entries(input.experiments)) {
  server.setExperiments(username, experiments)
}
await server.start(0)

// The fixture keeps every request for tests to inspect; a demo may run for days.
setInterval(() => server.requests.splice(0), 60_000).unref()

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void server.stop().then(() => process.exit(0))
  })
}
process.stdout.write(`listening ${server.baseUrl}\n`)
