import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { csvValue, defineFields, fieldNames, objectSchema } from '#transformers/field_list'
import { auditEventFields } from '#transformers/audit_event_transformer'
import { AUDIT_CSV_COLUMNS } from '#services/audit_csv'
import { requestSchema } from '#openapi/builder'
import { quotaValidator } from '#validators/quota'

const fields = defineFields({
  id: { type: 'integer' },
  at: { type: 'date-time', nullable: true, description: 'When' },
  state: { type: 'string', enum: ['on', 'off'] },
  extra: { type: 'object', optional: true },
})

test.group('Field lists: one list for the transformer, the CSV export and the schema', () => {
  test('the schema is strict, requires every field not marked optional, and allows null where said', ({
    assert,
  }) => {
    assert.deepEqual(objectSchema(fields), {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'at', 'state'],
      properties: {
        id: { type: 'integer' },
        at: { type: ['string', 'null'], format: 'date-time', description: 'When' },
        state: { type: 'string', enum: ['on', 'off'] },
        extra: { type: 'object' },
      },
    })
  })

  test('the audit CSV columns are the fields of the API resource, in order', ({ assert }) => {
    assert.deepEqual(AUDIT_CSV_COLUMNS, fieldNames(auditEventFields))
    assert.equal(AUDIT_CSV_COLUMNS[1], 'occurredAt')
  })

  test('CSV cells: date-times in ISO 8601 UTC, objects as JSON, null stays empty', ({ assert }) => {
    const at = DateTime.fromISO('2026-12-05T15:00:00+01:00', { setZone: true })
    assert.equal(csvValue({ type: 'date-time' }, at), '2026-12-05T14:00:00.000Z')
    assert.equal(csvValue({ type: 'object' }, { a: 1 }), '{"a":1}')
    assert.isNull(csvValue({ type: 'string', nullable: true }, null))
    assert.equal(csvValue({ type: 'integer' }, 7), 7)
  })
})

test.group('Request schemas from the validators', () => {
  test('a unit rule says what it takes, and unknown properties are not refused', ({ assert }) => {
    const schema = requestSchema(quotaValidator)
    assert.notProperty(schema, 'additionalProperties')
    assert.lengthOf(schema.properties.memory.oneOf, 2)
    assert.notProperty(schema.properties.memory, 'anyOf')
    assert.sameMembers(schema.required, ['environments', 'cpu', 'memory', 'storage', 'gpus'])
  })
})
