import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import { test } from '@japa/runner'
import encryption from '@adonisjs/core/services/encryption'
import EnvironmentActivity from '#services/activity/environment_activity'
import WebApplicationSource from '#services/activity/web_application_source'
import { createUser } from '#database/factories/user_factory'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import { isolateEachTest } from '#tests/helpers/isolation'
import { JupyterServer } from '#tests/helpers/jupyter_server'

const ago = (minutes: number) => DateTime.utc().minus({ minutes })

/** Whole seconds: what a DATETIME column keeps of an instant. */
const seconds = (instant: DateTime | string) =>
  Math.floor((typeof instant === 'string' ? DateTime.fromISO(instant) : instant).toMillis() / 1000)

/** An empty notebook in nbformat 4, as the notebook page saves it. */
const NOTEBOOK = {
  type: 'notebook',
  format: 'json',
  content: {
    cells: [{ cell_type: 'markdown', metadata: {}, source: '# Beamtime analysis' }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  },
}

/*
 * A real Jupyter Notebook server (Debian's jupyter-notebook 6.4, the
 * package the demo's Jupyter image is built from) run as a process on
 * loopback, instead of the image: a debootstrap build takes minutes. The
 * portal reads its GET /api/status with the environment's secret as token.
 */
test.group("Activity from a real Jupyter server's /api/status", (group) => {
  isolateEachTest(group)

  test('lastActivityAt follows what a user does in Jupyter, and the portal’s probing is no use', async ({
    assert,
    cleanup,
  }) => {
    const token = randomBytes(24).toString('hex')
    const jupyter = await JupyterServer.start(token)
    cleanup(() => jupyter.stop())
    const owner = await createUser()
    const image = await createHttpImage({ environment: { WEB_TOKEN_PARAM: 'token' } })
    const fields = {
      userId: owner.id,
      imageId: image.id,
      state: 'running' as const,
      endpointHost: '127.0.0.1',
      endpointPort: jupyter.port,
      createdAt: ago(180),
      lastActivityAt: ago(120),
    }
    const environment = await recordEnvironment({ ...fields, secret: encryption.encrypt(token) })
    const wrongToken = await recordEnvironment({
      ...fields,
      secret: encryption.encrypt('not-this-servers-token'),
    })
    const activity = new EnvironmentActivity([new WebApplicationSource()])

    // Untouched since it started: its start is the last activity.
    const { started } = await jupyter.status()
    await activity.refresh()
    await environment.refresh()
    assert.equal(seconds(environment.lastActivityAt!), seconds(started))

    // Asking /api/status again and again is not use.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    assert.equal(await activity.refresh(), 0)
    await environment.refresh()
    assert.equal(seconds(environment.lastActivityAt!), seconds(started))

    // The scientist saves a notebook (the notebook page's own REST call).
    const before = DateTime.utc()
    const saved = await jupyter.request('PUT', '/api/contents/analysis.ipynb', NOTEBOOK)
    assert.equal(saved.status, 201, await saved.text())
    assert.equal(await activity.refresh(), 1)
    await environment.refresh()
    assert.isAtLeast(seconds(environment.lastActivityAt!), seconds(before))
    assert.isAtMost(environment.lastActivityAt!.toMillis(), DateTime.utc().toMillis())
    assert.equal(
      seconds(environment.lastActivityAt!),
      seconds((await jupyter.status()).last_activity)
    )

    // Jupyter refuses the wrong token (403): that environment learns nothing.
    await wrongToken.refresh()
    assert.equal(seconds(wrongToken.lastActivityAt!), seconds(fields.lastActivityAt))
  }).timeout(60_000)
})
