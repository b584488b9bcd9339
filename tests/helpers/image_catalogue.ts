import { randomUUID } from 'node:crypto'
import type { ApiSession } from '#tests/helpers/api_session'

/** The admins' image catalogue. */
export const ADMIN_IMAGES_PATH = '/api/v1/admin/images'

/** A valid body for creating an image (a uniquely named Jupyter), with `fields` over it. */
export function imageInput(fields: Record<string, unknown> = {}) {
  return {
    name: `Jupyter ${randomUUID().slice(0, 8)}`,
    reference: 'registry.example.org/analysis/jupyter:2024.1',
    driver: 'docker',
    protocol: 'http',
    port: 8888,
    cpu: 2,
    memory: '4Gi',
    ...fields,
  }
}

/** An image created as an admin creates it, through the API; answers the created image. */
export async function createImage(admin: ApiSession, fields: Record<string, unknown> = {}) {
  const response = await admin.post(ADMIN_IMAGES_PATH, imageInput(fields))
  response.assertStatus(201)
  return response.body().data
}
