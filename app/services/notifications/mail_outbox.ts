import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import mail from '@adonisjs/mail/services/main'
import MailOutboxMessage from '#models/mail_outbox_message'
import { toSqlTimestamp } from '#models/millisecond_timestamp'
import notificationsConfig from '#config/notifications'
import { mailDeliveries } from '#services/metrics/portal_metrics'
import { observeCall } from '#services/metrics/outside_calls'

/** Longest wait between two attempts at one message. */
const MAX_RETRY_DELAY_MS = 60 * 60_000

/** Messages sent per run at most, so one run stays short. */
const BATCH = 50

/** What a failure is called in the outbox and the log: a code, never the server's whole answer. */
function describeFailure(error: unknown) {
  const { code, responseCode } = (error ?? {}) as { code?: string; responseCode?: number }
  return [code, responseCode].filter(Boolean).join(' ') || (error as Error).message || 'unknown'
}

/**
 * Sends the e-mails of the outbox over SMTP (@adonisjs/mail), oldest first.
 * Run by the leader in its own loop (providers/background_jobs_provider.ts),
 * so a slow or unreachable SMTP server delays no other job. A failed
 * message waits MAIL_RETRY_DELAY, doubled on every further failure (at most
 * an hour), and is given up after MAIL_MAX_ATTEMPTS (left in the outbox
 * with its last error). A sent message is never sent again.
 */
@inject()
export default class MailOutbox {
  /** Sends what is due; returns how many were sent and how many failed. */
  async deliver() {
    const report = { sent: 0, failed: 0 }
    if (!notificationsConfig.mail.enabled) {
      return report
    }
    const due = await MailOutboxMessage.query()
      .whereNull('sent_at')
      .where('attempts', '<', notificationsConfig.mail.maxAttempts)
      .where('next_attempt_at', '<=', toSqlTimestamp(new Date()))
      .orderBy('id', 'asc')
      .limit(BATCH)
    for (const message of due) {
      if (await this.#send(message)) {
        report.sent++
      } else {
        report.failed++
      }
    }
    return report
  }

  async #send(message: MailOutboxMessage) {
    message.attempts += 1
    try {
      await observeCall('smtp', 'send', () =>
        mail.send((email) => {
          email.to(message.recipient).subject(message.subject).text(message.body)
        })
      )
      message.sentAt = DateTime.utc()
      message.lastError = null
      await message.save()
      mailDeliveries.inc({ outcome: 'sent' })
      return true
    } catch (error) {
      message.lastError = describeFailure(error).slice(0, 500)
      const delay = Math.min(
        notificationsConfig.mail.retryDelayMs * 2 ** (message.attempts - 1),
        MAX_RETRY_DELAY_MS
      )
      message.nextAttemptAt = DateTime.utc().plus({ milliseconds: delay })
      await message.save()
      const givenUp = message.attempts >= notificationsConfig.mail.maxAttempts
      mailDeliveries.inc({ outcome: givenUp ? 'given_up' : 'retry' })
      logger[givenUp ? 'error' : 'warn'](
        { outboxId: message.id, attempts: message.attempts, error: message.lastError },
        givenUp ? 'e-mail given up after its last attempt' : 'sending an e-mail failed; will retry'
      )
      return false
    }
  }
}
