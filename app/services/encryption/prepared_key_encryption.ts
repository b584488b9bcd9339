import { Encryption, EncryptionManager } from '@adonisjs/core/encryption'
import type { EncryptionConfig } from '@boringnode/encryption/types'
import { PreparedKeyMessageVerifier } from '#services/encryption/prepared_key_message_verifier'

/** The package's Encryption whose message verifier keeps its keys prepared. */
export class PreparedKeyEncryption extends Encryption {
  #verifier: PreparedKeyMessageVerifier

  constructor(config: EncryptionConfig) {
    super(config)
    this.#verifier = new PreparedKeyMessageVerifier(config.keys)
  }

  getMessageVerifier() {
    return this.#verifier
  }
}

/**
 * The encryption manager (the container's `encryption`, and through it
 * `Encryption`, which the HTTP server signs and reads cookies with) making
 * PreparedKeyEncryption instances: providers/encryption_provider.ts. The
 * choice of encrypter, its checks and its drivers are the package's.
 */
export class PreparedKeyEncryptionManager<
  KnownEncrypters extends Record<string, EncryptionConfig>,
> extends EncryptionManager<KnownEncrypters> {
  #config: { default?: keyof KnownEncrypters; list: KnownEncrypters }
  #made = new Map<keyof KnownEncrypters, PreparedKeyEncryption>()

  constructor(config: { default?: keyof KnownEncrypters; list: KnownEncrypters }) {
    super(config)
    this.#config = config
  }

  use<EncrypterName extends keyof KnownEncrypters>(encrypterName?: EncrypterName) {
    const name = encrypterName ?? this.#config.default
    let made = name === undefined ? undefined : this.#made.get(name)
    if (!made) {
      // The package's refusals: no default, or a name not in the list.
      super.use(encrypterName)
      made = new PreparedKeyEncryption(this.#config.list[name!])
      this.#made.set(name!, made)
    }
    return made
  }
}
