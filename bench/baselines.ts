/*
 * What the portal's figures are compared with, in the same run: a raw
 * `node:http` server (the machine's ceiling for Node itself) and the
 * portal's own build with its server middleware list emptied (the
 * framework's ceiling without the portal's per-request work).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { freePort } from '../tests/helpers/portal_process.ts'
import { BuiltPortal } from './built_portal.ts'

const RAW_SERVER = `
const http = require('node:http')
const body = JSON.stringify({ status: 'ok' })
http
  .createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
    response.end(body)
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'))
`

/** A raw `node:http` server in its own process answering a small JSON body. */
export async function startRawNodeServer() {
  const port = await freePort()
  const child = spawn(process.execPath, ['-e', RAW_SERVER], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
  })
  await once(child.stdout, 'data')
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * The same build with `server.use([])` in start/kernel.js: routes, router
 * middleware and providers as shipped, no server middleware. A copy of the
 * build, so the shipped one stays untouched.
 */
export async function startBarePortal(build: string, env: Record<string, string>) {
  const bare = join(dirname(build), 'build-bare')
  await cp(build, bare, { recursive: true, verbatimSymlinks: true })
  const kernel = join(bare, 'start', 'kernel.js')
  const source = await readFile(kernel, 'utf8')
  const emptied = source.replace(/server\.use\(\[[\s\S]*?\]\)/, 'server.use([])')
  if (emptied === source) {
    throw new Error(`no server.use([...]) found in ${kernel}`)
  }
  await writeFile(kernel, emptied)
  return BuiltPortal.start(bare, env)
}
