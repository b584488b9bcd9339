import type { ApplicationService } from '@adonisjs/core/types'
import type { EmitterLike } from '@adonisjs/core/types/events'

/**
 * The emitter that the packages announcing every request get (the auth
 * guards, the session): it passes an event on only while something
 * listens for it. The guards emit two or three events per authenticated
 * request ("authentication attempted", "succeeded", …) and the session one
 * ("session:initiated"), and emitting one nobody listens to still costs
 * several microseconds (the events library reads `process.env.DEBUG` per
 * emit): about a tenth of `GET /me`. A listener registered later
 * (`emitter.on`, `onAny`) gets them from then on. A test that fakes the
 * emitter (`emitter.fake()`) must also listen for the events it expects.
 */
export async function listenedEvents<Events extends Record<string, any>>(
  app: ApplicationService
): Promise<EmitterLike<Events>> {
  const emitter = (await app.container.make('emitter')) as unknown as EmitterLike<Events>
  return {
    emit(event: any, data: any) {
      return emitter.listenerCount(event) > 0 ? emitter.emit(event, data) : Promise.resolve()
    },
    emitSerial(event: any, data: any) {
      return emitter.listenerCount(event) > 0 ? emitter.emitSerial(event, data) : Promise.resolve()
    },
    listenerCount: (event) => emitter.listenerCount(event),
    hasListeners: (event) => emitter.hasListeners(event),
  }
}
