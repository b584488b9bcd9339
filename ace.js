/*
|--------------------------------------------------------------------------
| JavaScript entrypoint for running ace commands
|--------------------------------------------------------------------------
|
| Registers the TypeScript loader, then hands over to "bin/console.ts".
| The build step overwrites this file with a loader-free copy.
|
*/
import '@poppinss/ts-exec'

await import('./bin/console.js')
