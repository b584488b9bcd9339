import { error, json, listOf, operation } from '#openapi/builder'
import { changed, created, deleted, found } from '#openapi/catalogue_answers'
import {
  adminImageListValidator,
  createImageValidator,
  imageListValidator,
  imageParamsValidator,
  updateImageValidator,
} from '#validators/image'

const tag = 'Administration'

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
    responses: created('AdminImage'),
  }),
  'GET /api/v1/admin/images/{id}': operation(tag, 'adminGetImage', {
    summary: 'An image (admins only)',
    description: 'With how it runs (reference, environment, command) and who may launch it.',
    params: imageParamsValidator,
    responses: found('The image', 'AdminImage'),
  }),
  'PATCH /api/v1/admin/images/{id}': operation(tag, 'adminUpdateImage', {
    summary: 'Change an image (admins only)',
    description:
      'Only the fields sent change; null clears description, command, lifetimeHours and idleLimitMinutes.',
    params: imageParamsValidator,
    body: updateImageValidator,
    responses: changed('The changed image', 'AdminImage'),
  }),
  'DELETE /api/v1/admin/images/{id}': operation(tag, 'adminDeleteImage', {
    summary: 'Remove an image from the catalogue (admins only)',
    description:
      'An image that environments still reference cannot be deleted (409); disable it instead.',
    params: imageParamsValidator,
    responses: deleted(error('The image is in use; disable it instead (E_CONFLICT)')),
  }),
}
