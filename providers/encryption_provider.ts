import { configProvider } from '@adonisjs/core'
import { RuntimeException } from '@adonisjs/core/exceptions'
import type { ApplicationService, EncryptionService, EncryptorsList } from '@adonisjs/core/types'
import type { EncryptionConfig } from '@boringnode/encryption/types'
import { PreparedKeyEncryptionManager } from '#services/encryption/prepared_key_encryption'

/** The application's encrypters (config/encryption.ts), as core types its `encryption`. */
type Encrypters = EncryptorsList extends Record<string, EncryptionConfig> ? EncryptorsList : never

/**
 * The container's `encryption` (and `Encryption`, which core resolves from
 * it for the HTTP server, Shield and `services/encryption`) as the core's
 * app provider binds it, from config/encryption.ts, but made of
 * PreparedKeyEncryption: signed cookies and URLs with HMAC keys prepared
 * once, not per call. Registered after the core's app provider, so this
 * binding is the one made.
 */
export default class EncryptionProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton('encryption', async () => {
      const config = await configProvider.resolve<{
        default?: keyof Encrypters
        list: Encrypters
      }>(this.app, this.app.config.get('encryption'))
      if (!config) {
        throw new RuntimeException(
          'Invalid "config/encryption.ts" file. Make sure you are using the "defineConfig" method'
        )
      }
      // The same manager, use() narrowed to the configured names as core's is not.
      return new PreparedKeyEncryptionManager<Encrypters>(config) as EncryptionService
    })
  }
}
