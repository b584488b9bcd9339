import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import EnvironmentShare from '#models/environment_share'
import { heldEnvironments, type HeldEnvironmentsShape } from '#models/held_environments'
import { listedExperiments, type ListedExperimentShape } from '#models/listed_experiment'
import { createUser } from '#database/factories/user_factory'
import { createExperiment } from '#database/factories/experiment_factory'
import { EnvironmentFactory } from '#database/factories/environment_factory'
import { isolateEachTest } from '#tests/helpers/isolation'
import { createHttpImage, recordEnvironment } from '#tests/helpers/environments'
import { queryPlan } from '#tests/helpers/query_plan'

const onSqlite = () => db.connection().dialect.name.includes('sqlite')

test.group("Lists: the scientist's statements run on indexes (EXPLAIN)", (group) => {
  isolateEachTest(group)

  test('the environment list reads the held ids by index, then those rows by primary key, in every shape', async ({
    assert,
  }) => {
    const me = await createUser()
    const colleague = await createUser()
    const image = await createHttpImage()
    const experiment = await createExperiment({ members: [me, colleague] })
    // Others' environments, so that walking every environment would be the dearer plan.
    const theirs = await EnvironmentFactory.merge({
      userId: colleague.id,
      imageId: image.id,
      experimentId: experiment.id,
    }).createMany(60)
    await recordEnvironment({ userId: me.id, imageId: image.id })
    await EnvironmentShare.create({ environmentId: theirs[0].id, userId: me.id, role: 'user' })

    const shapes: HeldEnvironmentsShape[] = [
      'both||page',
      'both||count',
      'both|state|page',
      'owner||page',
      'shared|state|count',
    ]
    for (const shape of shapes) {
      const [holding] = shape.split('|')
      const plan = await queryPlan(
        heldEnvironments.statement(shape, { userId: me.id, state: 'running', limit: 21, offset: 0 })
      )
      const says = `${shape}:\n${plan}`
      if (onSqlite()) {
        assert.notMatch(plan, /SCAN (environments|own|shared)\b/, says)
        assert.match(plan, /SEARCH environments USING INTEGER PRIMARY KEY \(rowid=\?\)/, says)
        if (holding !== 'shared') {
          assert.match(
            plan,
            /SEARCH own USING (COVERING )?INDEX environments_user_id_state_index \(user_id=\?/,
            says
          )
        }
        if (holding !== 'owner') {
          assert.match(
            plan,
            /SEARCH environment_shares USING INDEX environment_shares_user_id_index \(user_id=\?\)/,
            says
          )
          assert.match(plan, /SEARCH shared USING INTEGER PRIMARY KEY \(rowid=\?\)/, says)
        }
      } else {
        // Never a walk over the environments (`index`) or a full scan (`ALL`) of them.
        assert.notMatch(plan, /^(environments|own|shared) (ALL|index) /m, says)
        assert.match(plan, /^environments eq_ref PRIMARY$/m, says)
        if (holding !== 'shared') {
          assert.match(plan, /^own (ref|range) environments_user_id_state_index$/m, says)
        }
        if (holding !== 'owner') {
          assert.match(plan, /^environment_shares ref environment_shares_user_id_index$/m, says)
          assert.match(plan, /^shared eq_ref PRIMARY$/m, says)
        }
      }
    }
  })

  test("the experiment list finds the caller's memberships by index and reads only the page's experiments by primary key", async ({
    assert,
  }) => {
    const me = await createUser()
    const someone = await createUser()
    await createExperiment({ members: [me] })
    for (let index = 0; index < 30; index++) {
      await createExperiment({ members: [someone] })
    }

    const shapes: ListedExperimentShape[] = [
      '-startDate|||page',
      'title|s|f|page',
      '-startDate|||count',
    ]
    for (const shape of shapes) {
      const plan = await queryPlan(
        listedExperiments.statement(shape, {
          userId: me.id,
          pattern: '%beam%',
          favorite: true,
          limit: 21,
          offset: 0,
        })
      )
      const says = `${shape}:\n${plan}`
      if (onSqlite()) {
        assert.notMatch(plan, /SCAN (experiments|m)\b/, says)
        assert.match(plan, /SEARCH m USING INDEX experiment_members_user_id_favorite_index/, says)
        assert.match(plan, /SEARCH experiments USING INTEGER PRIMARY KEY \(rowid=\?\)/, says)
      } else {
        assert.notMatch(plan, /^(experiments|m) (ALL|index) /m, says)
        assert.match(plan, /^m ref experiment_members_user_id_favorite_index$/m, says)
        assert.match(plan, /^experiments eq_ref PRIMARY$/m, says)
      }
    }
  })
})
