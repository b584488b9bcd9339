/**
 * Keys whose values are secrets. They are censored in logs at any of the
 * first three levels of nesting (pino matches paths, not arbitrary depth).
 */
export const secretKeys = [
  'password',
  'passwordConfirmation',
  'currentPassword',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'apiKey',
  'appKey',
  'authorization',
  'cookie',
  'set-cookie',
  'x-xsrf-token',
  'vncPassword',
  'connectionSecret',
  'guacamolePassword',
  'SAMLResponse',
]

function pathsFor(key: string) {
  const accessor = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`
  const top = accessor.startsWith('.') ? key : accessor
  return [top, `*${accessor}`, `*.*${accessor}`, `*.*.*${accessor}`]
}

export const redactedLogPaths = secretKeys.flatMap(pathsFor)
