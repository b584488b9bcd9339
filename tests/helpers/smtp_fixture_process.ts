/**
 * A real SMTP server (the smtp-server package) on 127.0.0.1, run as its own
 * process by tests/helpers/smtp_fixture.ts. Every message it accepts is
 * written to stdout as one JSON line: {from, to, data}. With --delay-ms it
 * waits that long before answering each DATA (a slow server).
 *
 *   node --import=@poppinss/ts-exec tests/helpers/smtp_fixture_process.ts <port> [--delay-ms N]
 */
import { SMTPServer } from 'smtp-server'

const port = Number(process.argv[2])
const delayIndex = process.argv.indexOf('--delay-ms')
const delayMs = delayIndex > 0 ? Number(process.argv[delayIndex + 1]) : 0

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => {
      const answer = () => {
        process.stdout.write(
          `${JSON.stringify({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            to: session.envelope.rcptTo.map((recipient) => recipient.address),
            data: Buffer.concat(chunks).toString('utf8'),
          })}\n`
        )
        callback()
      }
      if (delayMs > 0) {
        setTimeout(answer, delayMs)
      } else {
        answer()
      }
    })
  },
})

server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`))
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
