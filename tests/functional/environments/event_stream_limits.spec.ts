import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import env from '#start/env'
import EventStreamLimits from '#services/environments/event_stream_limits'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { EnvironmentFactory } from '#database/factories/environment_factory'
import { ApiSession } from '#tests/helpers/api_session'
import { createHttpImage } from '#tests/helpers/environments'
import { isolateEachTest } from '#tests/helpers/isolation'

/* config: EVENT_STREAMS_PER_USER defaults to 5. */

type Open = {
  request: ClientRequest
  response: IncomingMessage
  body: () => string
  ended: Promise<unknown>
}

/** Opens a progress stream over raw HTTP and resolves once its headers arrive (it stays open). */
function openStream(path: string, token: string): Promise<Open> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: env.get('HOST'),
        port: env.get('PORT'),
        path,
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => (text += chunk))
        response.on('error', () => {})
        const ended = new Promise((done) => response.once('end', done))
        resolve({ request, response, body: () => text, ended })
      }
    )
    request.on('error', reject)
    request.end()
  })
}

async function waitFor(condition: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time')
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

test.group('Progress stream limits', (group) => {
  isolateEachTest(group)

  test('caps the progress streams one user holds open at once, and frees a slot on disconnect', async ({
    client,
    assert,
    cleanup,
  }) => {
    const user = await createUser()
    const browser = new ApiSession(client)
    ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
    const { token } = (
      await browser.post('/api/v1/auth/tokens', { name: 'streams', expiresInDays: 1 })
    ).body().data
    const image = await createHttpImage()
    const environment = await EnvironmentFactory.merge({
      userId: user.id,
      imageId: image.id,
      name: 'streamed',
      state: 'provisioning',
    }).create()
    const path = `/api/v1/environments/${environment.id}/events`
    const streams: Open[] = []
    cleanup(() => streams.forEach((stream) => stream.request.destroy()))

    for (let index = 0; index < 5; index++) {
      const stream = await openStream(path, token)
      streams.push(stream)
      assert.equal(stream.response.statusCode, 200)
    }
    const refused = await openStream(path, token)
    streams.push(refused)
    assert.equal(refused.response.statusCode, 429)
    assert.isAbove(Number(refused.response.headers['retry-after']), 0)
    await refused.ended
    assert.equal(JSON.parse(refused.body()).errors[0].code, 'E_TOO_MANY_STREAMS')

    // Another user is not affected.
    const other = await createUser()
    const otherBrowser = new ApiSession(client)
    ;(await otherBrowser.login(other.username, FACTORY_PASSWORD)).assertStatus(200)
    ;(await otherBrowser.request('GET', path)).assertStatus(404)

    streams[0].request.destroy()
    const limits = await app.container.make(EventStreamLimits)
    await waitFor(() => limits.openFor(user.id) < 5)
    const again = await openStream(path, token)
    streams.push(again)
    assert.equal(again.response.statusCode, 200)
  })
})
