/*
|--------------------------------------------------------------------------
| Rules for environment variables
|--------------------------------------------------------------------------
|
| Validators for start/env.ts beyond the framework's own: ranges for
| numbers, durations, ports, lists. Each refuses a bad value at boot with
| a message naming the variable, instead of letting it surface later as a
| 500 deep inside a request. An empty value means "not set".
|
*/
import { isIP } from 'node:net'
import string from '@adonisjs/core/helpers/string'

type Rule<T> = (key: string, value?: string) => T | undefined

/** One DNS label (RFC 1123: letters, digits, inner hyphens; 1–63 characters). */
const DNS_LABEL = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?'
/** Dot-separated DNS labels (matched case-insensitively where host names are meant). */
const DNS_NAME = `${DNS_LABEL}(?:\\.${DNS_LABEL})*`

function invalid(key: string, value: string, expected: string): never {
  throw new Error(`Invalid environment variable "${key}": "${value}" ${expected}`)
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== ''
}

/** A whole number from min to max. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Rule<number> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    const number = Number(value)
    if (!/^\s*-?\d+\s*$/.test(value) || number < min || number > max) {
      invalid(key, value, `must be a whole number from ${min} to ${max}`)
    }
    return number
  }
}

/** A number of seconds (decimals allowed) above `min` (exclusive) and at most `max`. */
export function seconds(min: number, max: number, { inclusive = false } = {}): Rule<number> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    const number = Number(value)
    const aboveMin = inclusive ? number >= min : number > min
    if (!Number.isFinite(number) || !aboveMin || number > max) {
      const range = inclusive ? `from ${min} to ${max}` : `above ${min} and at most ${max}`
      invalid(key, value, `must be a number of seconds ${range}`)
    }
    return number
  }
}

/** A TCP port. */
export function port(): Rule<number> {
  return integer(1, 65535)
}

/** A duration the framework understands ("8h", "15 mins", "2 days"), at least `minMs`. */
export function duration(minMs: number): Rule<string> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    let ms: number
    try {
      ms = string.milliseconds.parse(value)
    } catch {
      return invalid(key, value, 'is not a duration such as "8h" or "15 mins"')
    }
    if (!Number.isFinite(ms) || ms < minMs) {
      invalid(key, value, `must be a duration of at least ${string.milliseconds.format(minMs)}`)
    }
    return value
  }
}

/** A duration, or `0` for "off" (the duration parser refuses zero). */
export function durationOrOff(minMs: number): Rule<string> {
  const positive = duration(minMs)
  return (key, value) => (value === '0' ? value : positive(key, value))
}

/** A POSIX uid or gid that is not root: environments never run as root. */
export function nonRootId(): Rule<number> {
  return integer(1, 2_147_483_647)
}

/** A DNS-1123 label (a Kubernetes namespace, a PVC name). */
export function dnsLabel(): Rule<string> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    if (!new RegExp(`^${DNS_LABEL}$`).test(value)) {
      invalid(key, value, 'must be a DNS-1123 label (lower-case letters, digits, "-"; 1–63 chars)')
    }
    return value
  }
}

/** A domain name: dot-separated DNS labels, at most 100 characters (a username scope). */
export function domainName(): Rule<string> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    if (value.length > 100 || !new RegExp(`^${DNS_NAME}$`, 'i').test(value)) {
      invalid(
        key,
        value,
        'must be a domain name such as "idp.facility.example" (at most 100 chars)'
      )
    }
    return value.toLowerCase()
  }
}

/** Comma-separated web origins (scheme://host[:port], nothing after it). */
export function origins(): Rule<string> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    for (const entry of value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)) {
      const url = URL.canParse(entry) ? new URL(entry) : null
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== entry) {
        invalid(key, value, `has "${entry}", which is not an origin such as https://portal.example`)
      }
    }
    return value
  }
}

/** An http(s) URL holding the literal placeholder `$USERNAME`. */
export function urlWithUsername(): Rule<string> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    const probe = value.replaceAll('$USERNAME', 'user')
    const url = URL.canParse(probe) ? new URL(probe) : null
    if (!url || !['http:', 'https:'].includes(url.protocol) || !value.includes('$USERNAME')) {
      invalid(key, value, 'must be an http(s) URL holding the placeholder $USERNAME')
    }
    return value
  }
}

/** Comma-separated CIDR blocks, IPv4 or IPv6 ("10.20.0.0/16,fd00:1::/64"); a bare address is a /32 or /128. */
export function cidrList(): Rule<string> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    for (const entry of value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)) {
      const [address, prefix, ...rest] = entry.split('/')
      const family = isIP(address)
      const max = family === 6 ? 128 : 32
      const bits = prefix === undefined ? max : Number(prefix)
      if (
        family === 0 ||
        rest.length > 0 ||
        (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) ||
        bits < 0 ||
        bits > max
      ) {
        invalid(key, value, `has "${entry}", which is not a CIDR block such as 10.20.0.0/16`)
      }
    }
    return value
  }
}

/** An image registry as image references name it: host[:port] ("registry.example.org:5000"). */
export function registryHost(): Rule<string> {
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    if (!new RegExp(`^${DNS_NAME}(?::[0-9]{1,5})?$`, 'i').test(value)) {
      invalid(key, value, 'must be a registry host[:port] such as "registry.example.org"')
    }
    return value.toLowerCase()
  }
}

/** Comma-separated DNS-1123 labels (names of Kubernetes objects). */
export function dnsLabelList(): Rule<string> {
  const one = dnsLabel()
  return (key, value) => {
    if (!isSet(value)) {
      return undefined
    }
    for (const entry of value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)) {
      one(key, entry)
    }
    return value
  }
}
