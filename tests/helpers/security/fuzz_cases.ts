/**
 * Deterministic hostile inputs for the input-fuzzing suite: whole bodies
 * (malformed, invalid UTF-8, deeply nested, the wrong JSON type, prototype
 * pollution keys, oversized) and per-field values (wrong types, boundary
 * numbers, unicode edge cases), picked by a seeded generator so that every
 * run sends the same requests.
 */

export type FuzzCase = { label: string; body: string | Buffer }
export type QueryCase = { label: string; query: string }

/** mulberry32: a tiny seeded generator, so a failing case can be replayed. */
export function seededRandom(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` distinct items of `pool`, chosen by `random`. */
export function pick<T>(pool: T[], count: number, random: () => number): T[] {
  const rest = [...pool]
  const chosen: T[] = []
  while (chosen.length < count && rest.length > 0) {
    chosen.push(rest.splice(Math.floor(random() * rest.length), 1)[0])
  }
  return chosen
}

/** A JSON value written as raw text (numbers JSON.stringify cannot produce, escapes). */
type Raw = { raw: string }
type FieldValue = { label: string; value: unknown | Raw }

const MEGABYTE = 1024 * 1024

/** Bad values for one field; strings stay below the body limit so validation sees them. */
export const FIELD_VALUES: FieldValue[] = [
  { label: 'null', value: null },
  { label: 'true', value: true },
  { label: '-1', value: -1 },
  { label: '0', value: 0 },
  { label: '1.5', value: 1.5 },
  { label: '2^53', value: 2 ** 53 },
  { label: '-2^53 - 1', value: { raw: '-9007199254740993' } },
  { label: '1e309 (infinite)', value: { raw: '1e309' } },
  { label: '-0', value: { raw: '-0' } },
  { label: '"NaN"', value: 'NaN' },
  { label: '"Infinity"', value: 'Infinity' },
  { label: 'a numeric string', value: '42' },
  { label: 'an empty string', value: '' },
  { label: 'blanks', value: ' \t\n ' },
  { label: 'a 100 kB string', value: 'x'.repeat(100 * 1024) },
  { label: 'a lone high surrogate', value: { raw: '"a\\ud800b"' } },
  { label: 'a lone low surrogate', value: { raw: '"\\udfff"' } },
  { label: 'NUL', value: 'a\u0000b' },
  { label: 'C0 and C1 controls', value: '\u0001\u001b[31m\u0085\u009b' },
  { label: 'a right-to-left override', value: 'user\u202Egnp.exe' },
  { label: 'zero-width and combining characters', value: 'a\u200b\u200d\u0301\ufeff' },
  { label: 'astral emoji', value: '\u{1F469}\u200D\u{1F52C}' },
  { label: 'a path escape', value: '../../../../etc/passwd' },
  { label: 'an SQL fragment', value: "' OR '1'='1' -- " },
  { label: 'markup', value: '<script>alert(1)</script>' },
  { label: 'a template', value: '${jndi:ldap://127.0.0.1/x}{{7*7}}' },
  { label: 'an impossible date', value: '2024-13-45T99:99:99Z' },
  { label: 'year 0', value: '0000-01-01T00:00:00Z' },
  { label: 'an empty array', value: [] },
  { label: 'an array', value: [1, 'two', null] },
  { label: 'an empty object', value: {} },
  { label: 'an operator object', value: { $gt: '', $ne: null } },
  { label: 'a nested __proto__', value: { raw: '{"__proto__":{"polluted":"field"}}' } },
]

/** Serialises `value` (which may hold Raw pieces) as JSON text. */
export function toJson(value: unknown): string {
  if (value && typeof value === 'object' && 'raw' in value && Object.keys(value).length === 1) {
    return (value as Raw).raw
  }
  if (Array.isArray(value)) {
    return `[${value.map(toJson).join(',')}]`
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`
    )
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

function nested(depth: number, open: string, inner: string, close: string) {
  return open.repeat(depth) + inner + close.repeat(depth)
}

/** Body-level attacks on an endpoint whose valid body is `valid`. */
export function bodyCases(valid: Record<string, unknown>): FuzzCase[] {
  const validText = toJson(valid)
  const firstField = Object.keys(valid)[0] ?? 'field'
  const withField = (raw: string) => toJson({ ...valid, [firstField]: { raw } })
  return [
    { label: 'malformed JSON', body: '{"a":' },
    { label: 'a truncated valid body', body: validText.slice(0, -1) },
    { label: 'trailing garbage', body: `${validText}}}` },
    {
      label: 'raw invalid UTF-8',
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    },
    {
      label: 'an overlong UTF-8 "/" in a value',
      body: Buffer.concat([
        Buffer.from(`{${JSON.stringify(firstField)}:"..`),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from('etc"}'),
      ]),
    },
    { label: '10,000 nested arrays', body: nested(10_000, '[', '', ']') },
    { label: '10,000 nested objects', body: nested(10_000, '{"a":', '1', '}') },
    { label: '10,000 nested arrays in a field', body: withField(nested(10_000, '[', '', ']')) },
    { label: 'an array instead of the object', body: `[${validText}]` },
    { label: 'a string instead of the object', body: '"just a string"' },
    { label: 'a number instead of the object', body: '42' },
    { label: 'null instead of the object', body: 'null' },
    { label: 'an empty body', body: '' },
    {
      label: 'extra properties',
      body: toJson({ ...valid, isAdmin: true, role: 'admin', userId: 1, id: 1, roles: ['admin'] }),
    },
    {
      label: 'a __proto__ key',
      body: `{"__proto__":{"isAdmin":true,"polluted":"body"},${validText.slice(1)}`,
    },
    {
      label: 'a constructor.prototype key',
      body: `{"constructor":{"prototype":{"polluted":"constructor"}},${validText.slice(1)}`,
    },
    {
      label: 'a 1 MB string (over the body limit)',
      body: toJson({ ...valid, [firstField]: 'x'.repeat(MEGABYTE) }),
    },
  ]
}

/** Per-field attacks: `perField` bad values for each field of the schema, seeded. */
export function fieldCases(
  valid: Record<string, unknown>,
  fields: string[],
  perField: number,
  random: () => number
): FuzzCase[] {
  return fields.flatMap((field) =>
    pick(FIELD_VALUES, perField, random).map(({ label, value }) => ({
      label: `${field} = ${label}`,
      body: toJson({ ...valid, [field]: value }),
    }))
  )
}

/** Bad values for one query parameter (URL-encoded, URLs stay below 8 kB). */
const QUERY_VALUES: { label: string; encoded: (name: string) => string }[] = [
  { label: 'empty', encoded: (name) => `${name}=` },
  { label: '-1', encoded: (name) => `${name}=-1` },
  { label: '0', encoded: (name) => `${name}=0` },
  { label: '2^53', encoded: (name) => `${name}=9007199254740993` },
  { label: '1e309', encoded: (name) => `${name}=1e309` },
  { label: 'NaN', encoded: (name) => `${name}=NaN` },
  { label: 'a 4 kB value', encoded: (name) => `${name}=${'x'.repeat(4096)}` },
  { label: 'NUL', encoded: (name) => `${name}=a%00b` },
  { label: 'invalid percent-encoding', encoded: (name) => `${name}=%E0%A4%A` },
  { label: 'invalid UTF-8', encoded: (name) => `${name}=%ff%fe` },
  { label: 'a lone surrogate', encoded: (name) => `${name}=%ED%A0%80` },
  { label: 'right-to-left override', encoded: (name) => `${name}=%E2%80%AEx` },
  { label: 'an array', encoded: (name) => `${name}[]=1&${name}[]=2` },
  { label: 'repeated', encoded: (name) => `${name}=1&${name}=2` },
  { label: 'nested keys', encoded: (name) => `${name}[a][b][c]=1` },
  { label: 'a __proto__ key', encoded: (name) => `${name}[__proto__][polluted]=query` },
  { label: 'an SQL fragment', encoded: (name) => `${name}=${encodeURIComponent("1' OR '1'='1")}` },
  { label: 'a LIKE wildcard', encoded: (name) => `${name}=%25%5F%5C` },
  { label: 'a date far away', encoded: (name) => `${name}=99999-01-01T00:00:00Z` },
]

/** Per-parameter attacks on top of a valid query, plus a few whole-query ones. */
export function queryCases(
  validQuery: URLSearchParams,
  parameters: string[],
  perParameter: number,
  random: () => number
): QueryCase[] {
  const cases: QueryCase[] = [
    {
      label: 'a top-level __proto__',
      query: '__proto__[polluted]=query&constructor[prototype][polluted]=query',
    },
    {
      label: 'every parameter at once, garbled',
      query: parameters.map((name) => `${name}[x]=%ff`).join('&'),
    },
  ]
  for (const name of parameters) {
    const rest = new URLSearchParams(validQuery)
    rest.delete(name)
    for (const { label, encoded } of pick(QUERY_VALUES, perParameter, random)) {
      const query = [rest.toString(), encoded(name)].filter(Boolean).join('&')
      cases.push({ label: `${name} = ${label}`, query })
    }
  }
  return cases
}
