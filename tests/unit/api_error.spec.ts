import { test } from '@japa/runner'
import { errors as vineErrors } from '@vinejs/vine'
import { toApiErrors } from '#exceptions/api_error'
import NotFoundException from '#exceptions/not_found_exception'

test.group('API error translation', () => {
  test('turns validation errors into one entry per field', ({ assert }) => {
    const error = new vineErrors.E_VALIDATION_ERROR([
      { field: 'username', message: 'The username field must be defined', rule: 'required' },
      { field: 'password', message: 'The password field must be defined', rule: 'required' },
    ])
    assert.deepEqual(toApiErrors(error), {
      status: 422,
      errors: [
        {
          code: 'E_VALIDATION_ERROR',
          message: 'The username field must be defined',
          field: 'username',
        },
        {
          code: 'E_VALIDATION_ERROR',
          message: 'The password field must be defined',
          field: 'password',
        },
      ],
    })
  })

  test('keeps the status and code of domain exceptions', ({ assert }) => {
    assert.deepEqual(toApiErrors(new NotFoundException()), {
      status: 404,
      errors: [{ code: 'E_NOT_FOUND', message: 'Resource not found' }],
    })
  })

  test('maps a refused database connection to 503', ({ assert }) => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), {
      code: 'ECONNREFUSED',
    })
    assert.equal(toApiErrors(error).status, 503)
    assert.equal(toApiErrors(error).errors[0].code, 'E_SERVICE_UNAVAILABLE')
  })

  test('hides the message of unexpected errors', ({ assert }) => {
    const result = toApiErrors(new Error('secret internals at /srv/app.ts:42'))
    assert.deepEqual(result, {
      status: 500,
      errors: [{ code: 'E_INTERNAL_SERVER_ERROR', message: 'Internal server error' }],
    })
  })
})
