import vine from '@vinejs/vine'

/** Username and password as typed on the sign-in form. */
export const loginValidator = vine.create({
  username: vine.string().trim().minLength(1).maxLength(128),
  password: vine.string().minLength(1).maxLength(1024).meta({ format: 'password' }),
})
