/**
 * What Guacamole's MySQL schema can hold. Every text column is declared
 * `utf8` (utf8mb3 on MariaDB and MySQL): three bytes per character at
 * most, so characters outside the Basic Multilingual Plane (emoji, many
 * historic scripts) are refused, and lengths count characters.
 */
export const GUACAMOLE_TEXT_LIMITS = {
  /** guacamole_entity.name, guacamole_connection.connection_name: varchar(128). */
  name: 128,
  /** guacamole_connection_parameter.parameter_value: varchar(4096). */
  parameterValue: 4096,
  /** guacamole_user.full_name: varchar(256). */
  fullName: 256,
}

/** Why a value cannot be stored: a character utf8mb3 lacks, or too many characters. */
export type GuacamoleTextProblem = 'characters' | 'length'

// Astral code points, and lone surrogates (which would arrive as U+FFFD, silently changed).
const NOT_UTF8MB3 = /[\u{10000}-\u{10FFFF}]|[\uD800-\uDFFF]/u
const NOT_UTF8MB3_ALL = /[\u{10000}-\u{10FFFF}]|[\uD800-\uDFFF]/gu

/** Why `value` does not fit a utf8mb3 column of `maxLength` characters, or null when it does. */
export function guacamoleTextProblem(
  value: string,
  maxLength: number
): GuacamoleTextProblem | null {
  if (NOT_UTF8MB3.test(value)) {
    return 'characters'
  }
  return [...value].length > maxLength ? 'length' : null
}

/**
 * A copy of `value` Guacamole can store, for values that come from outside
 * systems and are only shown there (a display name): unstorable characters
 * become U+FFFD, control characters go, and the text is cut to `maxLength`.
 */
export function guacamoleSafeText(value: string, maxLength: number) {
  const storable = value.replace(NOT_UTF8MB3_ALL, '\uFFFD').replace(/\p{Cc}/gu, '')
  return [...storable].slice(0, maxLength).join('')
}
