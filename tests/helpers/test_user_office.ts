import env from '#start/env'
import { UserOfficeServer } from '#tests/helpers/user_office_server'

/**
 * The User Office every functional test talks to, on the port .env.test
 * points the portal at. Started once per run, reset before each test.
 */
export const testUserOffice = new UserOfficeServer({
  serviceUsername: env.get('USER_OFFICE_SERVICE_USERNAME'),
  servicePassword: env.get('USER_OFFICE_SERVICE_PASSWORD')?.release(),
})

export function testUserOfficePort() {
  return Number(new URL(env.get('USER_OFFICE_LOGIN_URL')!).port)
}
