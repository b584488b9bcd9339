/**
 * What the environment lists read: the columns their transformers send
 * (app/transformers/environment_transformer.ts, admin_environment_transformer.ts)
 * and the keys of the relations they preload, never the secret or the
 * engine's id. Lists hydrate many rows, so fewer columns is less work.
 */
export const LISTED_COLUMNS = [
  'id',
  'user_id',
  'image_id',
  'experiment_id',
  'session_id',
  'name',
  'driver',
  'state',
  'failure_reason',
  'endpoint_host',
  'endpoint_port',
  'cpu_millicores',
  'memory_bytes',
  'storage_bytes',
  'gpus',
  'expires_at',
  'last_activity_at',
  'created_at',
  'updated_at',
]
export const LISTED_IMAGE_COLUMNS = ['id', 'name', 'protocol']
