/**
 * Resource sizes as admins write them ("4Gi", "500m", 1.5) turned into the
 * exact integers the portal stores: bytes, millicores and GPU counts.
 *
 * Strings are matched against a whole grammar (never by chopping off a
 * suffix), and the arithmetic is done on BigInts, so "1.5Gi" is exactly
 * 1610612736 bytes and "4GB" is an error rather than 4 bytes or 4 GB.
 */

/** Why an input is not a size; the message completes "The <field> field …". */
export class ResourceUnitError extends Error {
  name = 'ResourceUnitError'
}

/** Binary (Ki…Pi) and decimal (k…P) suffixes, as Kubernetes quantities spell them. */
const BYTE_SUFFIXES = new Map<string, bigint>([
  ['', 1n],
  ['k', 1000n],
  ['M', 1000n ** 2n],
  ['G', 1000n ** 3n],
  ['T', 1000n ** 4n],
  ['P', 1000n ** 5n],
  ['Ki', 1024n],
  ['Mi', 1024n ** 2n],
  ['Gi', 1024n ** 3n],
  ['Ti', 1024n ** 4n],
  ['Pi', 1024n ** 5n],
])

/** The most CPU one image may ask for: 1024 cores. */
export const MAX_MILLICORES = 1_024_000

/** The most GPUs one image may ask for. */
export const MAX_GPUS = 64

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

// Longer strings cannot be a size below MAX_SAFE_INTEGER anyway; refusing them
// early keeps BigInt from working on megabytes of digits.
const MAX_INPUT_LENGTH = 40

/** Digits, an optional fraction, and a suffix made of letters only (checked against a list). */
const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?([A-Za-z]*)$/

type Decimal = { digits: bigint; scale: bigint; suffix: string }

/** `"1.25Gi"` → 125 / 10^2 with suffix "Gi"; null when the text is not of that form. */
function readDecimal(text: string): Decimal | null {
  const match = text.length <= MAX_INPUT_LENGTH ? DECIMAL.exec(text) : null
  if (!match) {
    return null
  }
  const [, whole, fraction = '', suffix] = match
  return { digits: BigInt(whole + fraction), scale: 10n ** BigInt(fraction.length), suffix }
}

/** digits × multiplier / scale, when that is a whole number. */
function exactly(decimal: Decimal, multiplier: bigint): bigint | null {
  const scaled = decimal.digits * multiplier
  return scaled % decimal.scale === 0n ? scaled / decimal.scale : null
}

/** The input, shortened, for messages. */
function describe(input: unknown) {
  if (typeof input === 'string') {
    return JSON.stringify(input.length > MAX_INPUT_LENGTH ? `${input.slice(0, 20)}…` : input)
  }
  if (typeof input === 'number' || input === null) {
    return String(input)
  }
  return Array.isArray(input) ? 'an array' : `a value of type ${typeof input}`
}

/**
 * A number's shortest round-trip spelling, so that 1.001 is read as the
 * decimal the admin typed, not as 1.000999999….
 */
function numberText(input: number, what: string) {
  if (!Number.isFinite(input)) {
    throw new ResourceUnitError(`must be a finite number of ${what}`)
  }
  if (input < 0) {
    throw new ResourceUnitError('must not be negative')
  }
  // From 1e-6 to below 1e21 String() uses no exponent; outside that range the
  // value is not whole millicores or far too large, and the caller says so.
  return String(input)
}

function refuseNegativeText(input: string) {
  if (/^\s*-/.test(input)) {
    throw new ResourceUnitError('must not be negative')
  }
}

/**
 * Bytes: a non-negative integer, or a string such as "123", "512Mi",
 * "1.5Gi", "2G" (decimal), "1Ti". Fractions must come out as whole bytes.
 * With `positive`, zero is refused too.
 */
export function parseBytes(input: unknown, options: { positive?: boolean } = {}): number {
  const expected = 'must be a whole number of bytes or a size such as "512Mi", "4Gi" or "2G"'
  let bytes: bigint | null
  if (typeof input === 'number') {
    numberText(input, 'bytes')
    if (!Number.isSafeInteger(input)) {
      throw new ResourceUnitError(
        Number.isInteger(input) ? 'is too large' : 'must be a whole number of bytes'
      )
    }
    bytes = BigInt(input)
  } else if (typeof input === 'string') {
    refuseNegativeText(input)
    const decimal = readDecimal(input)
    if (!decimal) {
      throw new ResourceUnitError(`${expected}, not ${describe(input)}`)
    }
    const multiplier = BYTE_SUFFIXES.get(decimal.suffix)
    if (multiplier === undefined) {
      throw new ResourceUnitError(
        `has an unknown unit "${decimal.suffix}" (use k, M, G, T, P or Ki, Mi, Gi, Ti, Pi)`
      )
    }
    bytes = exactly(decimal, multiplier)
    if (bytes === null) {
      throw new ResourceUnitError(
        `must come out as a whole number of bytes, not ${describe(input)}`
      )
    }
  } else {
    throw new ResourceUnitError(`${expected}, not ${describe(input)}`)
  }
  if (bytes > MAX_SAFE) {
    throw new ResourceUnitError('is too large')
  }
  if (options.positive && bytes === 0n) {
    throw new ResourceUnitError('must be greater than zero')
  }
  return Number(bytes)
}

/**
 * CPU in millicores: a number of cores (`2` → 2000, `1.5` → 1500), the same
 * as a string (`"1.5"`), or millicores with "m" (`"500m"` → 500). Must be
 * more than zero, whole millicores, and at most 1024 cores.
 */
export function parseMillicores(input: unknown): number {
  const expected = 'must be a number of cores (e.g. 2 or "1.5") or millicores (e.g. "500m")'
  let text: string
  if (typeof input === 'number') {
    text = numberText(input, 'cores')
  } else if (typeof input === 'string') {
    refuseNegativeText(input)
    text = input
  } else {
    throw new ResourceUnitError(`${expected}, not ${describe(input)}`)
  }
  const decimal = readDecimal(text)
  if (!decimal && typeof input === 'number') {
    // Only exponent spellings get here: below 1e-6 or from 1e21 on.
    throw new ResourceUnitError(
      input < 1 ? 'must be whole millicores (steps of 0.001 cores)' : 'is too large'
    )
  }
  if (!decimal) {
    throw new ResourceUnitError(`${expected}, not ${describe(input)}`)
  }
  if (decimal.suffix !== '' && decimal.suffix !== 'm') {
    throw new ResourceUnitError(
      `has an unknown unit "${decimal.suffix}" (use cores, e.g. "1.5", or millicores, e.g. "500m")`
    )
  }
  const millicores = exactly(decimal, decimal.suffix === 'm' ? 1n : 1000n)
  if (millicores === null) {
    throw new ResourceUnitError(
      `must be whole millicores (steps of 0.001 cores), not ${describe(input)}`
    )
  }
  if (millicores === 0n) {
    throw new ResourceUnitError('must be greater than zero')
  }
  if (millicores > BigInt(MAX_MILLICORES)) {
    throw new ResourceUnitError(`must be at most ${MAX_MILLICORES / 1000} cores`)
  }
  return Number(millicores)
}

/** GPUs: a whole number from 0 to 64 (also as a string of digits). */
export function parseGpus(input: unknown): number {
  let count: number | null = null
  if (typeof input === 'number' && Number.isInteger(input)) {
    count = input
  } else if (typeof input === 'string' && /^[0-9]{1,40}$/.test(input)) {
    count = Number(input)
  } else if (typeof input === 'string') {
    refuseNegativeText(input)
  }
  if (count === null) {
    throw new ResourceUnitError(`must be a whole number of GPUs, not ${describe(input)}`)
  }
  if (count < 0) {
    throw new ResourceUnitError('must not be negative')
  }
  if (count > MAX_GPUS) {
    throw new ResourceUnitError(`must be at most ${MAX_GPUS}`)
  }
  // -0 would serialise as 0 anyway; keep the stored value plain.
  return count + 0
}
