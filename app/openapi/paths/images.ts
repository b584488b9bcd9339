import { dataOf, error, json, listOf, operation, ref } from '#openapi/builder'
import {
  adminImageListValidator,
  createImageValidator,
  imageListValidator,
  imageParamsValidator,
  updateImageValidator,
} from '#validators/image'

const tag = 'Administration'
const nameTaken = error('The name is taken (E_CONFLICT)')

export const imagePaths = {
  'GET /api/v1/images': operation('Images', 'listImages', {
    summary: 'Images I may launch',
    description: "Enabled images whose allowedRoles include one of the caller's roles, by name.",
    query: imageListValidator,
    responses: { 200: json('Images', listOf('Image')) },
  }),
  'GET /api/v1/admin/images': operation(tag, 'adminListImages', {
    summary: 'Every image, disabled ones too (admins only)',
    description: 'By name; search matches part of the name or description.',
    query: adminImageListValidator,
    responses: { 200: json('Images, by name', listOf('AdminImage')) },
  }),
  'POST /api/v1/admin/images': operation(tag, 'adminCreateImage', {
    summary: 'Add an image to the catalogue (admins only)',
    description:
      'cpu, memory and storage take units ("1.5", "500m", "4Gi") and are stored as exact integers. Names are unique.',
    body: createImageValidator,
    responses: { 201: json('Created', dataOf('AdminImage')), 409: nameTaken },
  }),
  'GET /api/v1/admin/images/{id}': operation(tag, 'adminGetImage', {
    summary: 'An image (admins only)',
    description: 'With how it runs (reference, environment, command) and who may launch it.',
    params: imageParamsValidator,
    responses: { 200: json('The image', dataOf('AdminImage')), 404: ref('NotFound') },
  }),
  'PATCH /api/v1/admin/images/{id}': operation(tag, 'adminUpdateImage', {
    summary: 'Change an image (admins only)',
    description:
      'Only the fields sent change; null clears description, command, lifetimeHours and idleLimitMinutes.',
    params: imageParamsValidator,
    body: updateImageValidator,
    responses: {
      200: json('The changed image', dataOf('AdminImage')),
      404: ref('NotFound'),
      409: nameTaken,
    },
  }),
  'DELETE /api/v1/admin/images/{id}': operation(tag, 'adminDeleteImage', {
    summary: 'Remove an image from the catalogue (admins only)',
    description:
      'An image that environments still reference cannot be deleted (409); disable it instead.',
    params: imageParamsValidator,
    responses: {
      204: { description: 'Deleted' },
      404: ref('NotFound'),
      409: error('The image is in use; disable it instead (E_CONFLICT)'),
    },
  }),
}
