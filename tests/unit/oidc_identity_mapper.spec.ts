import { test } from '@japa/runner'
import { mapOidcClaims, oidcExternalId } from '#services/auth/oidc/oidc_identity_mapper'
import OidcRejectedException from '#exceptions/oidc_rejected_exception'

/** .env.test: OIDC_USERNAME_SCOPE, OIDC_ROLE_CLAIM=groups, OIDC_ADMIN_VALUES=portal-admins. */
const ISSUER = 'https://sso.facility.example/realms/users'
const SCOPE = '@op.test.example'

test.group('OpenID Connect claim mapping', () => {
  test('maps the configured claims into the provider’s namespace', ({ assert }) => {
    const identity = mapOidcClaims(ISSUER, {
      sub: 'f3b1',
      preferred_username: ' ada ',
      email: 'ada@university.example',
      name: 'Ada Lovelace',
    })
    assert.equal(identity.username, `ada${SCOPE}`)
    assert.equal(identity.persistentId, oidcExternalId(ISSUER, 'f3b1'))
    assert.equal(identity.email, 'ada@university.example')
    assert.equal(identity.displayName, 'Ada Lovelace')
    assert.isFalse(identity.grantsAdmin)
    assert.match(identity.idDerivedUsername, /^fed-[0-9a-f]{16}@op\.test\.example$/)
  })

  test('the same sub at another issuer is another person', ({ assert }) => {
    assert.notEqual(oidcExternalId(ISSUER, 'f3b1'), oidcExternalId('https://other.example', 'f3b1'))
  })

  test('the role claim grants admin as a string or within an array, and nothing else does', ({
    assert,
  }) => {
    for (const groups of ['portal-admins', ['staff', 'portal-admins']]) {
      assert.isTrue(mapOidcClaims(ISSUER, { sub: 's', groups }).grantsAdmin)
    }
    for (const groups of [
      undefined,
      'staff',
      ['portal-admins-not'],
      { 'portal-admins': true },
      7,
    ]) {
      assert.isFalse(mapOidcClaims(ISSUER, { sub: 's', groups }).grantsAdmin)
    }
  })

  test('a token without a username claim gets the id-derived name; one without sub is refused', ({
    assert,
  }) => {
    const identity = mapOidcClaims(ISSUER, { sub: 'only-sub' })
    assert.equal(identity.username, identity.idDerivedUsername)
    assert.isNull(identity.email)
    for (const sub of [undefined, '', 42, 'x'.repeat(250)]) {
      assert.throws(() => mapOidcClaims(ISSUER, { sub }), OidcRejectedException.message)
    }
  })

  test('an over-long username is cut to fit, still ending with the scope', ({ assert }) => {
    const identity = mapOidcClaims(ISSUER, { sub: 's', preferred_username: 'a'.repeat(300) })
    assert.lengthOf(identity.username, 128)
    assert.isTrue(identity.username.endsWith(SCOPE))
  })
})
