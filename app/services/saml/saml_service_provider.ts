import { inject } from '@adonisjs/core'
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/passport-saml'
import samlConfig from '#config/saml'
import SamlRequestCache from '#services/saml/saml_request_cache'
import { guardSamlResponse } from '#services/saml/saml_response_guard'
import { readPem } from '#services/saml/pem'
import { logoutResponseInResponseTo } from '#services/saml/saml_redirect_message'
import SamlDisabledException from '#exceptions/saml_disabled_exception'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'

/** What the portal keeps of a SAML sign-in to log out at the IdP later. */
export type SamlSessionInfo = {
  nameID: string
  nameIDFormat: string
  sessionIndex?: string
}

/**
 * The portal as a SAML 2.0 service provider, on node-saml's SAML class:
 * signed AuthnRequests, strictly validated Responses (both Response and
 * Assertion signed with a configured IdP certificate, InResponseTo from the
 * shared request cache, audience, validity window with bounded skew, plus
 * the checks in saml_response_guard), metadata and single logout.
 */
@inject()
export default class SamlServiceProvider {
  constructor(protected cache: SamlRequestCache) {}

  get enabled() {
    return samlConfig.enabled
  }

  #saml() {
    if (!samlConfig.enabled) {
      throw new SamlDisabledException()
    }
    const privateKey = readPem(samlConfig.sp.privateKey!.release())
    return new SAML({
      entryPoint: samlConfig.idp.ssoUrl,
      logoutUrl: samlConfig.idp.sloUrl ?? samlConfig.idp.ssoUrl,
      issuer: samlConfig.sp.entityId,
      callbackUrl: samlConfig.sp.acsUrl,
      logoutCallbackUrl: samlConfig.sp.sloUrl,
      audience: samlConfig.sp.entityId,
      idpIssuer: samlConfig.idp.entityId,
      idpCert: samlConfig.idp.certificates.map(readPem),
      privateKey,
      decryptionPvk: privateKey,
      publicCert: readPem(samlConfig.sp.certificate),
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: samlConfig.requestTtlMs,
      cacheProvider: this.cache,
      acceptedClockSkewMs: samlConfig.clockSkewMs,
      // The persistent identifier is asked for; the IdP may still send an attribute instead.
      identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      // Federations disagree on AuthnContext classes; asking for one makes some IdPs refuse.
      disableRequestedAuthnContext: true,
    })
  }

  /** The IdP URL to send the browser to, with a signed AuthnRequest. */
  async loginUrl(returnTo: string) {
    const relayState = await this.cache.saveReturnTo(returnTo)
    return this.#saml().getAuthorizeUrlAsync(relayState, undefined, {})
  }

  /**
   * Validates the IdP's POSTed Response; returns the asserted profile and
   * where the browser wanted to go.
   */
  async consumeResponse(body: { SAMLResponse?: unknown; RelayState?: unknown }) {
    const returnTo = await this.cache.takeReturnTo(
      typeof body.RelayState === 'string' ? body.RelayState : undefined
    )
    const { inResponseTo } = guardSamlResponse(body.SAMLResponse, samlConfig.sp.acsUrl)
    if (!(await this.cache.claim(inResponseTo))) {
      throw new SamlResponseRejectedException('InResponseTo unknown, expired or already used')
    }
    let profile: Profile | null
    try {
      const result = await this.#saml().validatePostResponseAsync({
        SAMLResponse: body.SAMLResponse as string,
      })
      profile = result.profile
    } catch (error) {
      throw new SamlResponseRejectedException((error as Error).message)
    }
    if (!profile) {
      throw new SamlResponseRejectedException('no profile in response')
    }
    return { profile, returnTo }
  }

  /** SP metadata for the IdP or federation registry. */
  metadata() {
    const saml = this.#saml()
    const certificate = readPem(samlConfig.sp.certificate)
    return saml.generateServiceProviderMetadata(certificate, certificate)
  }

  /** Whether the IdP takes logout requests. */
  get singleLogout() {
    return samlConfig.enabled && Boolean(samlConfig.idp.sloUrl)
  }

  /** The IdP URL that ends the IdP session (HTTP-Redirect binding, signed). */
  async logoutUrl(session: SamlSessionInfo, returnTo: string) {
    const relayState = await this.cache.saveReturnTo(returnTo)
    return this.#saml().getLogoutUrlAsync(
      { issuer: samlConfig.idp.entityId ?? '', ...session },
      relayState,
      {}
    )
  }

  /**
   * Validates a LogoutRequest or LogoutResponse the IdP sent to the SLO
   * endpoint (HTTP-Redirect binding; the signature covers the raw query).
   */
  async consumeLogoutRedirect(query: Record<string, string>, rawQuery: string) {
    // A LogoutResponse answers one of our LogoutRequests, once.
    if (query.SAMLResponse) {
      const inResponseTo = await logoutResponseInResponseTo(query.SAMLResponse)
      if (!inResponseTo || !(await this.cache.claim(inResponseTo))) {
        throw new SamlResponseRejectedException(
          'LogoutResponse InResponseTo unknown or already used'
        )
      }
    }
    try {
      return await this.#saml().validateRedirectAsync(query, rawQuery)
    } catch (error) {
      throw new SamlResponseRejectedException((error as Error).message)
    }
  }

  /** Answer to an IdP-initiated LogoutRequest. */
  logoutResponseUrl(request: Profile, relayState: string) {
    return this.#saml().getLogoutResponseUrlAsync(request, relayState, {}, true)
  }

  returnToFor(token: string | undefined) {
    return this.cache.takeReturnTo(token)
  }
}
