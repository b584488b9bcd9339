import { Exception } from '@adonisjs/core/exceptions'

/**
 * The portal runs without a built web console (a checkout where nobody ran
 * the console build yet). The handler renders it as a page saying how to
 * build it: whoever sees it is looking at a browser.
 */
export default class ConsoleNotBuiltException extends Exception {
  static status = 503
  static code = 'E_CONSOLE_NOT_BUILT'
  static message =
    'The web console has not been built: run "npm run build:console" (npm start and npm test build it when missing)'
}
