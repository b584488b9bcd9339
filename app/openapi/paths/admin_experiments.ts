import { dataOf, error, json, listOf, onOneObject, operation, schemaRef } from '#openapi/builder'
import {
  createExperimentValidator,
  experimentParamsValidator,
  experimentQueryValidator,
  memberParamsValidator,
  memberValidator,
  sessionParamsValidator,
  sessionValidator,
  updateExperimentValidator,
} from '#validators/local_experiment'

const tag = 'Administration'
const experiment = (description: string) => json(description, dataOf('AdminExperiment'))
const userOffice = error('The experiment is managed by the User Office (E_CONFLICT)')

export const adminExperimentPaths = {
  'GET /api/v1/admin/experiments': operation(tag, 'adminListExperiments', {
    summary: 'All experiments, local and User Office (admins only)',
    description:
      'Newest first. search: every word (letters and digits) must begin a word of the proposal id, title or instrument, case and accents ignored (ADR 9). Pages by number, or by cursor: pass meta.nextCursor as cursor for the next rows (no total is returned; without a search, as fast on the last page as on the first).',
    query: experimentQueryValidator,
    responses: {
      200: json(
        'Experiments, newest first (without sessions)',
        listOf('Experiment', schemaRef('KeysetListMeta'))
      ),
    },
  }),
  'POST /api/v1/admin/experiments': operation(tag, 'adminCreateExperiment', {
    summary: 'Create a local experiment (admins only)',
    description:
      'posixUid and posixGid are the POSIX ids the data belongs to; 0 (root) is refused.',
    body: createExperimentValidator,
    responses: {
      201: experiment('Created'),
      409: error('The proposal id is taken (E_CONFLICT)'),
    },
  }),
  'GET /api/v1/admin/experiments/{id}': operation(tag, 'adminGetExperiment', {
    summary: 'An experiment with its sessions and members (admins only)',
    description: 'With its POSIX identity; local and User Office experiments alike.',
    params: experimentParamsValidator,
    responses: onOneObject({ 200: experiment('The experiment') }),
  }),
  'PATCH /api/v1/admin/experiments/{id}': operation(tag, 'adminUpdateExperiment', {
    summary: 'Change a local experiment (admins only)',
    description: 'Only the fields sent change; null clears an optional field.',
    params: experimentParamsValidator,
    body: updateExperimentValidator,
    responses: onOneObject(
      { 200: experiment('The changed experiment') },
      error(
        'The proposal id is taken, or the experiment is managed by the User Office (E_CONFLICT)'
      )
    ),
  }),
  'DELETE /api/v1/admin/experiments/{id}': operation(tag, 'adminDeleteExperiment', {
    summary: 'Delete a local experiment with its sessions and members (admins only)',
    description: 'User Office experiments cannot be deleted here (409).',
    params: experimentParamsValidator,
    responses: onOneObject({ 204: { description: 'Deleted' } }, userOffice),
  }),
  'PUT /api/v1/admin/experiments/{id}/sessions/{sessionNumber}': operation(
    tag,
    'adminPutExperimentSession',
    {
      summary: 'Create or replace a session of a local experiment (admins only)',
      description:
        'Fields left out become null. The mounts dataSetPath asks for are checked against the mount policy and stored: a value that fails the checks is kept, and the session is not launchable (see mountErrors). dataSetPath is JSON, as the User Office sends it: host path → {"bind", "mode"}; "bind" is a sub-path of the mode\'s container root (MOUNT_CONTAINER_RO_ROOT for "ro", MOUNT_CONTAINER_RW_ROOT for "rw"; "" is the root itself), e.g. `{"/srv/data/2019001": {"bind": "/2019001", "mode": "ro"}}` mounts /data/2019001 read-only.',
      params: sessionParamsValidator,
      body: sessionValidator,
      bodyOptional: true,
      responses: onOneObject(
        {
          200: json('Replaced (or unchanged)', dataOf('ExperimentSession')),
          201: json('Created', dataOf('ExperimentSession')),
        },
        userOffice
      ),
    }
  ),
  'DELETE /api/v1/admin/experiments/{id}/sessions/{sessionNumber}': operation(
    tag,
    'adminDeleteExperimentSession',
    {
      summary: 'Delete a session of a local experiment (admins only)',
      description: 'Environments launched on it keep running.',
      params: sessionParamsValidator,
      responses: onOneObject({ 204: { description: 'Deleted' } }, userOffice),
    }
  ),
  'PUT /api/v1/admin/experiments/{id}/members/{userId}': operation(
    tag,
    'adminPutExperimentMember',
    {
      summary: 'Add a member to a local experiment, or set their role (admins only)',
      description: 'The role is "member" unless given.',
      params: memberParamsValidator,
      body: memberValidator,
      bodyOptional: true,
      responses: onOneObject(
        {
          200: json('The role was set (or already was)', dataOf('ExperimentMember')),
          201: json('Added', dataOf('ExperimentMember')),
        },
        userOffice
      ),
    }
  ),
  'DELETE /api/v1/admin/experiments/{id}/members/{userId}': operation(
    tag,
    'adminDeleteExperimentMember',
    {
      summary: 'Remove a member from a local experiment (admins only)',
      description: 'They lose access to its data from their next launch.',
      params: memberParamsValidator,
      responses: onOneObject({ 204: { description: 'Removed' } }, userOffice),
    }
  ),
}
