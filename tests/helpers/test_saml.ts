import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import env from '#start/env'
import samlConfig from '#config/saml'
import { generateKeyPair, TestIdp, type KeyPair } from '#tests/helpers/saml_idp'

/** Where .env.test (or a TEST_SLOT) points SAML_IDP_CERT and the SP key pair. */
export const TEST_SAML_FOLDER = dirname(env.get('SAML_IDP_CERT') ?? 'tmp/test-saml/idp.crt')
const FOLDER = TEST_SAML_FOLDER

/**
 * Fresh SP and IdP key pairs for this run, written where .env.test points
 * the portal (SAML_SP_PRIVATE_KEY, SAML_SP_CERT, SAML_IDP_CERT).
 */
export function writeTestSamlKeys() {
  mkdirSync(FOLDER, { recursive: true })
  for (const [name, keys] of Object.entries({
    sp: generateKeyPair('portal-under-test'),
    idp: generateKeyPair('idp-under-test'),
  })) {
    writeFileSync(`${FOLDER}/${name}.key`, keys.privateKeyPem, { mode: 0o600 })
    writeFileSync(`${FOLDER}/${name}.crt`, keys.certificatePem)
  }
}

function readKeys(name: 'sp' | 'idp'): KeyPair {
  return {
    privateKeyPem: readFileSync(`${FOLDER}/${name}.key`, 'utf8'),
    certificatePem: readFileSync(`${FOLDER}/${name}.crt`, 'utf8'),
  }
}

/** The IdP the portal trusts in tests, on the port SAML_IDP_SSO_URL names (not started). */
export function trustedTestIdp() {
  return new TestIdp({
    entityId: env.get('SAML_IDP_ENTITY_ID'),
    keys: readKeys('idp'),
    spCertificatePem: readKeys('sp').certificatePem,
    spSloUrl: samlConfig.sp.sloUrl,
    spAcsUrl: samlConfig.sp.acsUrl,
  })
}

export function testIdpPort() {
  return Number(new URL(env.get('SAML_IDP_SSO_URL')!).port)
}
