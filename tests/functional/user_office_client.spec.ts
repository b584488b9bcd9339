import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import UserOfficeClient from '#services/user_office/user_office_client'
import UserOfficeUnavailableException from '#exceptions/user_office_unavailable_exception'
import { isolateEachTest } from '#tests/helpers/isolation'
import { testUserOffice } from '#tests/helpers/test_user_office'

test.group('User Office client (contract endpoints 2 and 3)', (group) => {
  isolateEachTest(group)

  test('looks up the facility username of a federated identity', async ({ assert }) => {
    testUserOffice.addIdentity('hash-1', 'jdoe')
    const client = await app.container.make(UserOfficeClient)

    assert.equal(await client.lookupIdentity('hash-1'), 'jdoe')
    assert.isNull(await client.lookupIdentity('unknown-hash'))
  })

  test('asks whether a user may use facility resources, with the service credentials', async ({
    assert,
  }) => {
    testUserOffice.setAuthorized('jdoe', true)
    testUserOffice.setAuthorized('guest', false)
    const client = await app.container.make(UserOfficeClient)

    assert.isTrue(await client.isAuthorized('jdoe'))
    assert.isFalse(await client.isAuthorized('guest'))
    assert.isNull(await client.isAuthorized('nobody'))
    assert.deepEqual(testUserOffice.requests[0].basicAuth, {
      username: 'portal-service',
      password: 'uo-service-secret',
    })
  })

  test('treats refusals of its credentials and off-contract answers as an outage', async ({
    assert,
  }) => {
    const client = await app.container.make(UserOfficeClient)
    testUserOffice.setAuthorized('jdoe', true)

    testUserOffice.setFault({ kind: 'status', status: 403 }, 'authorized')
    await assert.rejects(() => client.isAuthorized('jdoe'), UserOfficeUnavailableException)
    testUserOffice.setFault({ kind: 'wrongShape' }, 'authorized')
    await assert.rejects(() => client.isAuthorized('jdoe'), UserOfficeUnavailableException)
    testUserOffice.setFault({ kind: 'malformed' }, 'identity')
    await assert.rejects(() => client.lookupIdentity('x'), UserOfficeUnavailableException)
    testUserOffice.setFault({ kind: 'reset' })
    await assert.rejects(() => client.lookupIdentity('x'), UserOfficeUnavailableException)
  })

  test('refuses a canonical username outside the contract', async ({ assert }) => {
    testUserOffice.addIdentity('hash-2', '../../etc/passwd')
    const client = await app.container.make(UserOfficeClient)
    await assert.rejects(() => client.lookupIdentity('hash-2'), UserOfficeUnavailableException)
  })
})
