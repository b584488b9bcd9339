import { isIP } from 'node:net'

/**
 * CIDR blocks as Kubernetes NetworkPolicies and firewalls want them, and
 * the ranges environments may not reach unless a site allows them.
 */

/** Private and special-purpose ranges: RFC 1918, CGNAT, link-local (cloud metadata), IPv6 ULA and link-local. */
export const PRIVATE_RANGES = {
  ipv4: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'],
  ipv6: ['fc00::/7', 'fe80::/10'],
} as const

function bits(family: 4 | 6) {
  return family === 4 ? 32 : 128
}

function toBigInt(address: string, family: 4 | 6): bigint {
  if (family === 4) {
    return address.split('.').reduce((value, part) => (value << 8n) | BigInt(part), 0n)
  }
  let text = address
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const value = toBigInt(v4[1], 4)
    text = `${text.slice(0, v4.index)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`
  }
  const groups = (part: string) => (part ? part.split(':') : [])
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const full =
    tail === undefined
      ? groups(head)
      : [
          ...groups(head),
          ...Array<string>(8 - groups(head).length - groups(tail).length).fill('0'),
          ...groups(tail),
        ]
  return full.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n)
}

function fromBigInt(value: bigint, family: 4 | 6) {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.')
  }
  const groups = Array.from({ length: 8 }, (_, index) =>
    ((value >> BigInt((7 - index) * 16)) & 0xffffn).toString(16)
  )
  // Longest run of zero groups becomes "::".
  let best = { start: -1, length: 0 }
  for (let start = 0; start < 8; start++) {
    let length = 0
    while (start + length < 8 && groups[start + length] === '0') length++
    if (length > best.length && length > 1) best = { start, length }
  }
  if (best.start < 0) {
    return groups.join(':')
  }
  const before = groups.slice(0, best.start).join(':')
  const after = groups.slice(best.start + best.length).join(':')
  return `${before}::${after}`
}

/** A CIDR block as the API server wants it: network address, prefix; a bare address is /32 or /128. */
export function canonicalCidr(block: string): { cidr: string; family: 4 | 6 } {
  const [address, prefix, ...rest] = block.trim().split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) {
    throw new TypeError(`"${block}" is not a CIDR block`)
  }
  const max = bits(family as 4 | 6)
  const length = prefix === undefined ? max : Number(prefix)
  if (!Number.isInteger(length) || length < 0 || length > max) {
    throw new TypeError(`"${block}" is not a CIDR block`)
  }
  const all = (1n << BigInt(max)) - 1n
  const mask = all ^ ((1n << BigInt(max - length)) - 1n)
  const network = fromBigInt(toBigInt(address, family as 4 | 6) & mask, family as 4 | 6)
  return { cidr: `${network}/${length}`, family: family as 4 | 6 }
}
