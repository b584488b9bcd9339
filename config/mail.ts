import env from '#start/env'
import { defineConfig, transports } from '@adonisjs/mail'
import type { InferMailers } from '@adonisjs/mail/types'
import notificationsConfig from '#config/notifications'

const username = env.get('SMTP_USERNAME')
const password = env.get('SMTP_PASSWORD')?.release()

/**
 * One SMTP mailer (@adonisjs/mail over nodemailer). Only the outbox job
 * sends (app/services/notifications/mail_outbox.ts), and only when
 * MAIL_ENABLED is true; nothing is sent from a request.
 */
const mailConfig = defineConfig({
  default: 'smtp',
  from: { address: notificationsConfig.mail.from, name: 'Facility Portal' },
  mailers: {
    smtp: transports.smtp({
      host: env.get('SMTP_HOST', '127.0.0.1'),
      port: env.get('SMTP_PORT', 25),
      secure: env.get('SMTP_SECURE', false),
      requireTLS: env.get('SMTP_REQUIRE_TLS', false),
      auth: username && password ? { type: 'login', user: username, pass: password } : undefined,
      connectionTimeout: notificationsConfig.mail.timeoutMs,
      greetingTimeout: notificationsConfig.mail.timeoutMs,
      socketTimeout: notificationsConfig.mail.timeoutMs,
    }),
  },
})

export default mailConfig

declare module '@adonisjs/mail/types' {
  export interface MailersList extends InferMailers<typeof mailConfig> {}
}
