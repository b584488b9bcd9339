import { defineConfig } from '@adonisjs/core/app'

export default defineConfig({
  /*
  | Ace commands shipped by packages. The project's own commands are
  | scanned from "./commands".
  */
  commands: [() => import('@adonisjs/core/commands'), () => import('@adonisjs/lucid/commands')],

  providers: [
    () => import('#providers/sql_time_provider'),
    () => import('@adonisjs/core/providers/app_provider'),
    // After the app provider: its `encryption` binding, with prepared HMAC keys.
    () => import('#providers/encryption_provider'),
    () => import('@adonisjs/core/providers/hash_provider'),
    {
      file: () => import('@adonisjs/core/providers/repl_provider'),
      environment: ['repl', 'test'],
    },
    () => import('@adonisjs/core/providers/vinejs_provider'),
    () => import('@adonisjs/session/session_provider'),
    () => import('@adonisjs/shield/shield_provider'),
    () => import('@adonisjs/lucid/database_provider'),
    () => import('@adonisjs/cors/cors_provider'),
    () => import('@adonisjs/auth/auth_provider'),
    () => import('@adonisjs/limiter/limiter_provider'),
    () => import('@adonisjs/bouncer/bouncer_provider'),
    () => import('@adonisjs/mail/mail_provider'),
    () => import('#providers/api_provider'),
    () => import('#providers/services_provider'),
    () => import('#providers/provisioning_provider'),
    {
      file: () => import('#providers/bootstrap_provider'),
      environment: ['web'],
    },
    {
      file: () => import('#providers/background_jobs_provider'),
      environment: ['web'],
    },
    {
      file: () => import('#providers/metrics_provider'),
      environment: ['web'],
    },
  ],

  preloads: [
    () => import('#start/routes'),
    () => import('#start/kernel'),
    () => import('#start/health'),
  ],

  tests: {
    suites: [
      {
        files: ['tests/unit/**/*.spec.ts'],
        name: 'unit',
        timeout: 5000,
      },
      {
        files: ['tests/functional/**/*.spec.ts'],
        name: 'functional',
        timeout: 30000,
      },
      {
        files: ['tests/integration/**/*.spec.ts'],
        name: 'integration',
        timeout: 120000,
      },
      {
        files: ['tests/browser/**/*.spec.ts'],
        name: 'browser',
        timeout: 120000,
      },
    ],
    forceExit: false,
  },

  /*
  | Copied into the production build by "node ace build": the built web
  | console (npm run build:console), which the portal serves at "/".
  */
  metaFiles: [{ pattern: 'console/dist/**', reloadServer: false }],
})
