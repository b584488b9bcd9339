import { defineConfig } from '@adonisjs/core/bodyparser'

/**
 * The API speaks JSON only. Bodies are small; anything larger than the
 * limit is refused with 413 before it is parsed.
 */
const bodyParserConfig = defineConfig({
  allowedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  form: {
    convertEmptyStringsToNull: true,
    types: ['application/x-www-form-urlencoded'],
    limit: '256kb',
  },
  json: {
    convertEmptyStringsToNull: false,
    strict: true,
    limit: '256kb',
    types: ['application/json', 'application/merge-patch+json'],
  },
  multipart: {
    autoProcess: false,
    convertEmptyStringsToNull: true,
    processManually: [],
    limit: '1mb',
    types: ['multipart/form-data'],
  },
})

export default bodyParserConfig
