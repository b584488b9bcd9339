import { lstat, realpath, stat } from 'node:fs/promises'
import { posix } from 'node:path'

/**
 * Confinement of the bind mounts a User Office session asks for
 * (`data_set_path`, docs/user-office.md). The value comes from an outside
 * system, so it is parsed leniently but applied strictly: every mount must
 * resolve, symlinks included, inside the dataset root (ro) or the output
 * root (rw). As in CalipsoPlus, its `bind` is a sub-path of its mode's
 * container mount point: `"/2019001"` with mode ro lands on `/data/2019001`,
 * `""` on `/data` itself.
 */

export type MountMode = 'ro' | 'rw'

/** Where mounts may come from on the host and go to inside the container. */
export type MountPolicy = {
  /** Host, absolute: read-only mounts must resolve inside it. */
  datasetsRoot: string
  /** Host, absolute: read-write mounts must resolve inside it (and never into datasetsRoot). */
  outputRoot: string
  /** Container mount point per mode; a mount's bind is a sub-path joined to it. */
  containerRoots: { ro: string; rw: string }
  /**
   * Who may own the folders from a root down to a mount's parent (uids;
   * root when absent). Nobody else, and no group or other, may write to
   * them: a workload that could would swap a folder for a symbolic link
   * between the portal's check and the engine's mount (see docs/security.md,
   * "Mount races").
   */
  trustedOwners?: number[]
}

/** The policy's settings, for naming the one a problem concerns. */
export type MountPolicyField =
  'datasetsRoot' | 'outputRoot' | 'containerRoots.ro' | 'containerRoots.rw'

/** Why a policy is unusable; `reason` names other fields through the caller's names. */
export type MountPolicyProblem = { field: MountPolicyField; reason: string }

/** One entry of `data_set_path` as sent, before any check. */
export type RawMount = { hostPath: string; bind: unknown; mode: unknown }

/** A mount that passed every check. */
export type DatasetMount = {
  /** The resolved host path (realpath) after confineMounts; normalised only after checkMountSyntax. */
  hostPath: string
  /** The mode's container root joined with the bind: canonical, what drivers mount. */
  containerPath: string
  mode: MountMode
}

/**
 * Why a mount (or the whole value) was refused; paths are shortened and
 * escaped for display. `containerPath` is the joined container path when it
 * could be computed, the bind as sent otherwise.
 */
export type MountError = {
  code: string
  message: string
  hostPath: string | null
  containerPath: string | null
}

/** Accepted mounts and refusals; a session is launchable only without any refusal. */
export type MountCheck = { mounts: DatasetMount[]; errors: MountError[]; launchable: boolean }

/**
 * A check as stored with a session: `rules` names the rules and settings
 * it was made under (missing on checks older than that key).
 */
export type StoredMountCheck = MountCheck & { rules?: string }

const CODE = {
  parse: 'E_MOUNT_PARSE',
  tooMany: 'E_MOUNT_TOO_MANY',
  badPath: 'E_MOUNT_BAD_PATH',
  dotdot: 'E_MOUNT_DOTDOT',
  badMode: 'E_MOUNT_BAD_MODE',
  containerPath: 'E_MOUNT_CONTAINER_PATH',
  duplicateTarget: 'E_MOUNT_DUPLICATE_TARGET',
  outsideRoot: 'E_MOUNT_OUTSIDE_ROOT',
  rwInDatasets: 'E_MOUNT_RW_IN_DATASETS',
  symlinkEscape: 'E_MOUNT_SYMLINK_ESCAPE',
  notFound: 'E_MOUNT_NOT_FOUND',
  rootUnavailable: 'E_MOUNT_ROOT_UNAVAILABLE',
  unsafeParent: 'E_MOUNT_UNSAFE_PARENT',
  changed: 'E_MOUNT_CHANGED',
} as const

const MAX_MOUNTS = 32
const MAX_PATH_BYTES = 1024
const MAX_SEGMENT_BYTES = 255
const DISPLAY_CHARS = 200
// Far above 32 legitimate mounts even fully \u-escaped; stops parsing huge junk.
const MAX_RAW_CHARS = 1024 * 1024

/**
 * Shortens a path for messages and logs, with control characters and
 * broken surrogates made visible so they cannot forge log lines.
 */
function display(value: string): string {
  let shown = ''
  for (const char of value.toWellFormed()) {
    const code = char.codePointAt(0)!
    shown += isControl(code) ? `\\u${code.toString(16).padStart(4, '0')}` : char
  }
  const chars = Array.from(shown)
  return chars.length > DISPLAY_CHARS ? chars.slice(0, DISPLAY_CHARS - 1).join('') + '…' : shown
}

// Paths are typed unknown: a JavaScript caller may hand over anything.
function mountError(
  code: string,
  message: string,
  hostPath: unknown,
  containerPath: unknown
): MountError {
  return {
    code,
    message,
    hostPath: typeof hostPath === 'string' ? display(hostPath) : null,
    containerPath: typeof containerPath === 'string' ? display(containerPath) : null,
  }
}

/** C0, DEL and C1 controls. */
function isControl(code: number) {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f)
}

function hasControlChar(value: string) {
  for (let i = 0; i < value.length; i++) {
    if (isControl(value.charCodeAt(i))) {
      return true
    }
  }
  return false
}

/** posix.normalize keeps a trailing slash; paths are compared without one. */
function canonical(path: string) {
  const normalised = posix.normalize(path)
  return normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised
}

/** Segment-wise containment: /srv/data-evil is not inside /srv/data. */
function isInside(child: string, parent: string) {
  return parent === '/' || child === parent || child.startsWith(parent + '/')
}

type PathProblem = { dotdot: boolean; reason: string }

function bad(reason: string): PathProblem {
  return { dotdot: false, reason }
}

/** Syntax every path and bind must meet, absolute or not; null when fine. */
function textProblem(value: string): PathProblem | null {
  if (hasControlChar(value)) {
    return bad('contains a NUL byte or another control character')
  }
  // A lone surrogate would reach the file system as U+FFFD: another path.
  if (!value.isWellFormed()) {
    return bad('is not valid Unicode')
  }
  if (value.includes('\\')) {
    return bad('contains a backslash (Windows-style paths are not accepted)')
  }
  // Docker's "host:container:mode" bind strings would split the path there.
  if (value.includes(':')) {
    return bad('contains ":"')
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_PATH_BYTES) {
    return bad(`is longer than ${MAX_PATH_BYTES} bytes`)
  }
  const segments = value.split('/')
  // Refused even when it would normalise inside: no guessing what was meant.
  if (segments.includes('..')) {
    return { dotdot: true, reason: 'contains a ".." segment' }
  }
  if (segments.some((segment) => Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES)) {
    return bad(`has a segment longer than ${MAX_SEGMENT_BYTES} bytes`)
  }
  return null
}

/** Syntax of an absolute path (host paths, roots); null when fine. */
function pathProblem(value: string): PathProblem | null {
  if (value.length === 0) {
    return bad('is empty')
  }
  const problem = textProblem(value)
  if (problem) {
    return problem
  }
  return value.startsWith('/') ? null : bad('is not absolute')
}

/**
 * A bind as a canonical sub-path ('' for the root itself). "//", "."
 * segments and a leading or trailing "/" are dropped: they change nothing
 * below a fixed root, and the joined path is canonical whatever was sent.
 * ".." is refused (textProblem): it would climb out of the root.
 */
function subPath(bind: string): { path: string } | { problem: PathProblem } {
  const problem = textProblem(bind)
  if (problem) {
    return { problem }
  }
  const segments = bind.split('/').filter((segment) => segment !== '' && segment !== '.')
  return { path: segments.join('/') }
}

/** The container path of a sub-path below a (canonical) root. */
function joinRoot(root: string, path: string) {
  return path === '' ? root : `${root}/${path}`
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false
  }
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Own properties only, so a polluted Object.prototype cannot supply a bind or mode. */
function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

/** JSON first, then Python-style single quotes when that is unambiguous. */
function decode(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    // Swapping quotes is only safe when no string holds a quote or an escape.
    if (!text.includes("'") || text.includes('"') || text.includes('\\')) {
      return { ok: false }
    }
    try {
      return { ok: true, value: JSON.parse(text.replaceAll("'", '"')) }
    } catch {
      return { ok: false }
    }
  }
}

function parseError(message: string) {
  return { entries: [], errors: [mountError(CODE.parse, message, null, null)] }
}

/**
 * Lenient parse of `data_set_path`; never throws. Accepts a JSON string
 * (single-quoted Python-style dicts too) or an already decoded object.
 * Empty string, `[]`, `{}`, `null` and `undefined` mean "no mounts".
 * Entries whose value is not an object are reported as E_MOUNT_PARSE and
 * left out; everything else is returned raw for checkMountSyntax.
 */
export function parseDataSetPath(raw: unknown): { entries: RawMount[]; errors: MountError[] } {
  try {
    let value = raw
    if (typeof raw === 'string') {
      if (raw.length > MAX_RAW_CHARS) {
        return parseError(`data_set_path is longer than ${MAX_RAW_CHARS} characters`)
      }
      const text = raw.trim()
      if (text === '') {
        return { entries: [], errors: [] }
      }
      const decoded = decode(text)
      if (!decoded.ok) {
        return parseError('data_set_path is neither JSON nor a single-quoted JSON-like object')
      }
      value = decoded.value
    }

    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
      return { entries: [], errors: [] }
    }
    if (!isPlainObject(value)) {
      return parseError('data_set_path must be an object mapping host paths to mounts')
    }

    const entries: RawMount[] = []
    const errors: MountError[] = []
    for (const hostPath of Object.keys(value)) {
      const spec = value[hostPath]
      if (!isPlainObject(spec)) {
        errors.push(
          mountError(
            CODE.parse,
            'The mount must be an object with "bind" and "mode"',
            hostPath,
            null
          )
        )
        continue
      }
      entries.push({ hostPath, bind: own(spec, 'bind'), mode: own(spec, 'mode') })
    }
    return { entries, errors }
  } catch {
    // Only a hostile pre-decoded object (throwing getter, proxy) gets here.
    return parseError('data_set_path could not be read')
  }
}

type Policy = { datasetsRoot: string; outputRoot: string; ro: string; rw: string }

/** Names of the settings as the policy object spells them. */
function fieldName(field: MountPolicyField) {
  return field
}

/**
 * The first problem of a policy, or null when it is usable. Host roots
 * are normalised; container roots must already be canonical (they are
 * shown to users and mounted as written). Neither may be "/", and the two
 * roots of a side may neither be equal nor nest: an output root holding
 * the datasets would make them writable, nested container roots would
 * make one mode's mounts shadow the other's. `name` spells other settings
 * in the reason (environment variable names at boot).
 */
export function mountPolicyProblem(
  policy: MountPolicy,
  name: (field: MountPolicyField) => string = fieldName
): MountPolicyProblem | null {
  const problem = (field: MountPolicyField, reason: string) => ({ field, reason })
  const check = (field: MountPolicyField, value: unknown, exact: boolean) => {
    if (typeof value !== 'string') {
      return problem(field, 'is not a string')
    }
    const syntax = pathProblem(value)
    if (syntax) {
      return problem(field, syntax.reason)
    }
    if (canonical(value) === '/') {
      // A root of "/" would make confinement meaningless.
      return problem(field, 'must not be "/"')
    }
    if (exact && canonical(value) !== value) {
      return problem(field, 'is not canonical (no trailing "/", "//" or "." segments)')
    }
    return null
  }
  const apart = (
    [aField, a]: [MountPolicyField, string],
    [bField, b]: [MountPolicyField, string]
  ) => {
    if (a === b) {
      return problem(bField, `must differ from ${name(aField)}`)
    }
    if (isInside(b, a)) {
      return problem(bField, `must not be inside ${name(aField)}`)
    }
    if (isInside(a, b)) {
      return problem(aField, `must not be inside ${name(bField)}`)
    }
    return null
  }

  const roots = policy?.containerRoots
  const first =
    check('datasetsRoot', policy?.datasetsRoot, false) ??
    check('outputRoot', policy?.outputRoot, false) ??
    check('containerRoots.ro', roots?.ro, true) ??
    check('containerRoots.rw', roots?.rw, true)
  if (first) {
    return first
  }
  return (
    apart(
      ['datasetsRoot', canonical(policy.datasetsRoot)],
      ['outputRoot', canonical(policy.outputRoot)]
    ) ?? apart(['containerRoots.ro', roots.ro], ['containerRoots.rw', roots.rw])
  )
}

/** A misconfigured policy is a deployment bug: it throws instead of refusing mounts. */
function normalisePolicy(policy: MountPolicy): Policy {
  const problem = mountPolicyProblem(policy)
  if (problem) {
    throw new TypeError(`Invalid mount policy: ${problem.field} ${problem.reason}`)
  }
  return {
    datasetsRoot: canonical(policy.datasetsRoot),
    outputRoot: canonical(policy.outputRoot),
    ro: policy.containerRoots.ro,
    rw: policy.containerRoots.rw,
  }
}

/** An entry that passed the syntax checks, with its normalised host path. */
type Candidate = { raw: RawMount; mount: DatasetMount }

/** What an error shows as container path: the joined one when known, else the bind as sent. */
function shownTarget(entry: RawMount, containerPath: string | null): unknown {
  return containerPath ?? entry.bind
}

function checkHostPath(
  entry: RawMount,
  mode: MountMode | null,
  policy: Policy,
  target: string | null
) {
  const fail = (code: string, message: string) =>
    mountError(code, message, entry.hostPath, shownTarget(entry, target))

  if (typeof entry.hostPath !== 'string') {
    return { error: fail(CODE.badPath, 'The host path is not a string') }
  }
  const problem = pathProblem(entry.hostPath)
  if (problem) {
    return {
      error: fail(problem.dotdot ? CODE.dotdot : CODE.badPath, `The host path ${problem.reason}`),
    }
  }
  const hostPath = canonical(entry.hostPath)
  if (mode === null) {
    return { hostPath: null }
  }
  // Checked first, and both ways: a rw mount of a parent of the dataset root
  // would make the datasets writable just as well.
  if (
    mode === 'rw' &&
    (isInside(hostPath, policy.datasetsRoot) || isInside(policy.datasetsRoot, hostPath))
  ) {
    return {
      error: fail(
        CODE.rwInDatasets,
        'A read-write mount must not point into, or contain, the dataset root'
      ),
    }
  }
  const root = mode === 'ro' ? policy.datasetsRoot : policy.outputRoot
  if (!isInside(hostPath, root)) {
    const where = mode === 'ro' ? 'dataset root' : 'output root'
    return { error: fail(CODE.outsideRoot, `The host path is outside the ${where}`) }
  }
  return { hostPath }
}

/** The bind joined to its mode's container root; null (no error) when the mode is unknown. */
function checkContainerPath(entry: RawMount, mode: MountMode | null, policy: Policy) {
  const fail = (code: string, message: string, shown: unknown = entry.bind) =>
    mountError(code, message, entry.hostPath, shown)

  const bind = entry.bind
  if (typeof bind !== 'string') {
    return { error: fail(CODE.containerPath, 'The container path ("bind") must be a string') }
  }
  const parsed = subPath(bind)
  if ('problem' in parsed) {
    const code = parsed.problem.dotdot ? CODE.dotdot : CODE.containerPath
    return { error: fail(code, `The bind ${parsed.problem.reason}`) }
  }
  if (mode === null) {
    return { containerPath: null }
  }
  const containerPath = joinRoot(policy[mode], parsed.path)
  if (Buffer.byteLength(containerPath, 'utf8') > MAX_PATH_BYTES) {
    const message = `The container path is longer than ${MAX_PATH_BYTES} bytes`
    return { error: fail(CODE.containerPath, message, containerPath) }
  }
  return { containerPath }
}

function readMode(mode: unknown): MountMode | null {
  if (mode === undefined) {
    return 'ro'
  }
  return mode === 'ro' || mode === 'rw' ? mode : null
}

/** The syntax pass shared by checkMountSyntax and confineMounts. */
function analyse(entries: RawMount[], policy: Policy) {
  if (entries.length > MAX_MOUNTS) {
    const message = `A session may have at most ${MAX_MOUNTS} mounts (got ${entries.length})`
    return { candidates: [], errors: [mountError(CODE.tooMany, message, null, null)] }
  }

  const errors: MountError[] = []
  const checked = entries.map((entry) => {
    const mode = readMode(entry.mode)
    const container = checkContainerPath(entry, mode, policy)
    const target = container.containerPath ?? null
    const host = checkHostPath(entry, mode, policy, target)
    const entryErrors = [host.error, container.error].filter((error) => error !== undefined)
    if (mode === null) {
      const message = 'The mode must be exactly "ro" or "rw"'
      entryErrors.push(mountError(CODE.badMode, message, entry.hostPath, entry.bind))
    }
    errors.push(...entryErrors)
    return {
      entry,
      mode,
      hostPath: host.hostPath ?? null,
      containerPath: target,
      valid: entryErrors.length === 0,
    }
  })

  // Equal or nested targets shadow each other: which one wins is nobody's call.
  for (const [index, current] of checked.entries()) {
    const target = current.containerPath
    if (target === null) {
      continue
    }
    const other = checked.find(
      ({ containerPath }, otherIndex) =>
        otherIndex !== index &&
        containerPath !== null &&
        (isInside(target, containerPath) || isInside(containerPath, target))
    )
    if (other) {
      const message =
        other.containerPath === target
          ? 'Another mount uses the same container path'
          : `The container path overlaps the container path ${display(other.containerPath!)} of another mount`
      errors.push(mountError(CODE.duplicateTarget, message, current.entry.hostPath, target))
      current.valid = false
    }
  }

  const candidates: Candidate[] = checked
    .filter((item) => item.valid)
    .map((item) => ({
      raw: item.entry,
      mount: { hostPath: item.hostPath!, containerPath: item.containerPath!, mode: item.mode! },
    }))
  return { candidates, errors }
}

function result(mounts: DatasetMount[], errors: MountError[]): MountCheck {
  return { mounts, errors, launchable: errors.length === 0 }
}

/**
 * Pure, synchronous checks that need no file system: path and bind
 * syntax, `..`, modes, the container path (bind joined to its mode's
 * root), duplicate or nested targets, the mount count, and lexical
 * confinement of host paths to the configured roots.
 * Host paths in the returned mounts are normalised but not resolved; only
 * confineMounts makes them safe to mount. Throws a TypeError when the
 * policy itself is invalid.
 */
export function checkMountSyntax(entries: RawMount[], policy: MountPolicy): MountCheck {
  const { candidates, errors } = analyse(entries, normalisePolicy(policy))
  return result(
    candidates.map((candidate) => candidate.mount),
    errors
  )
}

/** realpath of a configured root, or null when it does not resolve. */
async function resolveRoot(path: string) {
  try {
    const resolved = await realpath(path)
    return resolved === '/' ? null : resolved
  } catch {
    return null
  }
}

function unresolvedReason(error: unknown) {
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return 'does not exist'
  }
  if (code === 'ELOOP') {
    return 'does not resolve (symlink loop)'
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return 'is not accessible'
  }
  return 'cannot be resolved'
}

type Roots = { datasets: string | null; output: string | null }

/**
 * The first folder from `root` down to the parent of `resolved` (both real
 * paths) that someone other than a trusted owner could change, or null.
 * Renaming or replacing an entry needs write permission on its folder, so
 * when none of these is writable by a workload (never root, no
 * capabilities), the path the engine mounts is the path the portal checked.
 */
async function unsafeParent(root: string, resolved: string, trusted: readonly number[]) {
  if (resolved === root) {
    return null
  }
  const below = resolved
    .slice(root.length + 1)
    .split('/')
    .slice(0, -1)
  let folder = root
  for (const segment of ['', ...below]) {
    folder = segment ? `${folder}/${segment}` : folder
    try {
      const info = await lstat(folder)
      // 0o022: group or other write; a sticky folder (/tmp) still lets its users swap their entries.
      if (!info.isDirectory() || !trusted.includes(info.uid) || (info.mode & 0o022) !== 0) {
        return folder
      }
    } catch {
      return folder
    }
  }
  return null
}

/** File-system confinement of one syntactically valid mount. */
async function confineOne(
  candidate: Candidate,
  roots: Roots,
  trusted: readonly number[]
): Promise<{ mount: DatasetMount } | { error: MountError }> {
  const { raw, mount } = candidate
  const fail = (code: string, message: string) => ({
    error: mountError(code, message, raw.hostPath, mount.containerPath),
  })

  // Every mode needs the dataset root: rw mounts are checked against it too.
  const root = mount.mode === 'ro' ? roots.datasets : roots.output
  if (roots.datasets === null || root === null) {
    return fail(CODE.rootUnavailable, 'The configured host root does not resolve')
  }

  let resolved: string
  try {
    resolved = await realpath(mount.hostPath)
  } catch (error) {
    return fail(CODE.notFound, `The host path ${unresolvedReason(error)}`)
  }

  // The resolved target is deliberately not echoed: it may be anywhere on the host.
  if (
    mount.mode === 'rw' &&
    (isInside(resolved, roots.datasets) || isInside(roots.datasets, resolved))
  ) {
    return fail(
      CODE.rwInDatasets,
      'A read-write mount must not resolve into, or contain, the dataset root'
    )
  }
  if (!isInside(resolved, root)) {
    return fail(CODE.symlinkEscape, 'The host path leaves its root through a symbolic link')
  }

  try {
    const info = await stat(resolved)
    // Devices, sockets and FIFOs have no business in a dataset mount.
    if (!info.isDirectory() && !info.isFile()) {
      return fail(CODE.badPath, 'The host path is neither a directory nor a regular file')
    }
  } catch (error) {
    return fail(CODE.notFound, `The host path ${unresolvedReason(error)}`)
  }

  // The folder itself is not named: it may belong to another experiment.
  if (await unsafeParent(root, resolved, trusted)) {
    return fail(
      CODE.unsafeParent,
      'A folder above the host path may be changed by someone other than root (it must be owned by root and writable by nobody else)'
    )
  }

  return { mount: { ...mount, hostPath: resolved } }
}

/** Root, unless the policy names the trusted owners. */
function trustedOwners(policy: MountPolicy) {
  return policy.trustedOwners?.length ? policy.trustedOwners : [0]
}

/**
 * Full check of a `data_set_path` value: parse, syntax, then realpath of
 * each host path and of both roots, and the containment rules on the
 * resolved paths. Accepted mounts carry the resolved host path, which is
 * what must be mounted. Throws a TypeError only when the policy is invalid.
 */
export async function confineMounts(raw: unknown, policy: MountPolicy): Promise<MountCheck> {
  const parsed = parseDataSetPath(raw)
  const normalised = normalisePolicy(policy)
  const syntax = analyse(parsed.entries, normalised)
  const errors = [...parsed.errors, ...syntax.errors]
  if (syntax.candidates.length === 0) {
    return result([], errors)
  }

  const [datasets, output] = await Promise.all([
    resolveRoot(normalised.datasetsRoot),
    resolveRoot(normalised.outputRoot),
  ])
  const trusted = trustedOwners(policy)
  const outcomes = await Promise.all(
    syntax.candidates.map((candidate) => confineOne(candidate, { datasets, output }, trusted))
  )

  const mounts: DatasetMount[] = []
  for (const outcome of outcomes) {
    if ('mount' in outcome) {
      mounts.push(outcome.mount)
    } else {
      errors.push(outcome.error)
    }
  }
  return result(mounts, errors)
}

/**
 * Checks mounts again after the engine mounted them: each host path (a
 * real path from confineMounts) must still be the same real folder or file
 * inside its root, below folders nobody else may change. A path that now
 * resolves elsewhere may have been swapped while the engine mounted it;
 * the caller stops the environment. Returns the refusals (none: unchanged).
 */
export async function reverifyMounts(
  mounts: DatasetMount[],
  policy: MountPolicy
): Promise<MountError[]> {
  const normalised = normalisePolicy(policy)
  const [datasets, output] = await Promise.all([
    resolveRoot(normalised.datasetsRoot),
    resolveRoot(normalised.outputRoot),
  ])
  const trusted = trustedOwners(policy)
  const errors: MountError[] = []
  for (const mount of mounts) {
    const root = mount.mode === 'ro' ? datasets : output
    const fail = (message: string) =>
      errors.push(mountError(CODE.changed, message, mount.hostPath, mount.containerPath))
    let resolved: string | null
    try {
      resolved = await realpath(mount.hostPath)
    } catch {
      resolved = null
    }
    if (resolved !== mount.hostPath || root === null || !isInside(resolved, root)) {
      fail('The host path no longer resolves to the folder that was checked')
    } else if (await unsafeParent(root, resolved, trusted)) {
      fail('A folder above the host path may now be changed by someone other than root')
    }
  }
  return errors
}
