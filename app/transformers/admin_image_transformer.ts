import ImageTransformer from '#transformers/image_transformer'

/** An image as admins manage it: what users see, plus how it runs and who may launch it. */
export default class AdminImageTransformer extends ImageTransformer {
  toObject() {
    return {
      ...super.toObject(),
      ...this.pick(this.resource, [
        'reference',
        'environment',
        'command',
        'readOnlyRootFilesystem',
        'enabled',
        'allowedRoles',
        'createdAt',
        'updatedAt',
      ]),
    }
  }
}
