import { inject } from '@adonisjs/core'
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/passport-saml'
import samlConfig from '#config/saml'
import SamlRequestCache from '#services/auth/saml/saml_request_cache'
import { guardSamlResponse } from '#services/auth/saml/saml_response_guard'
import { readPem } from '#services/auth/saml/pem'
import {
  readLogoutMessage,
  type LogoutMessageFields,
  type SamlBinding,
} from '#services/auth/saml/saml_logout_message'
import { withSingleLogoutServices } from '#services/auth/saml/saml_sp_metadata'
import { newRequestId } from '#services/auth/saml/saml_browser_binding'
import type { SamlSessionInfo } from '#services/auth/saml/saml_session_registry'
import SamlDisabledException from '#exceptions/saml_disabled_exception'
import NotFoundException from '#exceptions/not_found_exception'
import SamlResponseRejectedException from '#exceptions/saml_response_rejected_exception'

/** A logout message that passed every check, signature included. */
export type ConsumedLogout =
  | { kind: 'response'; binding: SamlBinding; returnTo: string | null }
  | { kind: 'request'; binding: SamlBinding; request: Profile; relayState: string | undefined }

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

  /**
   * node-saml's SAML class with the portal's settings. Logout messages are
   * validated with `validateInResponseTo: never`: the portal checks a
   * LogoutResponse's InResponseTo itself, after its signature, because
   * node-saml's HTTP-POST path looks for it on a <Response> root and so
   * refuses every LogoutResponse when asked to check.
   */
  #saml({
    validateInResponseTo = ValidateInResponseTo.always,
    requestId,
  }: { validateInResponseTo?: ValidateInResponseTo; requestId?: string } = {}) {
    if (!samlConfig.enabled) {
      throw new SamlDisabledException()
    }
    const privateKey = readPem(samlConfig.sp.privateKey!.release())
    return new SAML({
      entryPoint: samlConfig.idp.ssoUrl,
      logoutUrl: samlConfig.idp.sloUrl ?? samlConfig.idp.ssoUrl,
      issuer: samlConfig.sp.entityId,
      callbackUrl: samlConfig.sp.acsUrl,
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
      validateInResponseTo,
      ...(requestId ? { generateUniqueId: () => requestId } : {}),
      requestIdExpirationPeriodMs: samlConfig.requestTtlMs,
      cacheProvider: this.cache,
      acceptedClockSkewMs: samlConfig.clockSkewMs,
      // The persistent identifier is asked for; the IdP may still send an attribute instead.
      identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      // Federations disagree on AuthnContext classes; asking for one makes some IdPs refuse.
      disableRequestedAuthnContext: true,
    })
  }

  /**
   * The IdP URL to send the browser to, with a signed AuthnRequest, and
   * that request's id (for the browser's binding cookie).
   */
  async loginUrl(returnTo: string) {
    const relayState = await this.cache.saveReturnTo(returnTo)
    const requestId = newRequestId()
    const url = await this.#saml({ requestId }).getAuthorizeUrlAsync(relayState, undefined, {})
    return { url, requestId }
  }

  /**
   * Validates the IdP's POSTed Response; returns the asserted profile,
   * where the browser wanted to go and the request it answered.
   * `boundRequestIds` are the requests the posting browser itself started
   * (its binding cookie): a response to any other request is refused
   * before it is claimed, so a response captured elsewhere signs nobody in.
   */
  async consumeResponse(
    body: { SAMLResponse?: unknown; RelayState?: unknown },
    boundRequestIds: string[]
  ) {
    const { inResponseTo } = guardSamlResponse(body.SAMLResponse, {
      acsUrl: samlConfig.sp.acsUrl,
      idpEntityId: samlConfig.idp.entityId,
    })
    if (!boundRequestIds.includes(inResponseTo)) {
      throw new SamlResponseRejectedException(
        'response to a sign-in this browser did not start (no binding cookie for its InResponseTo)'
      )
    }
    const returnTo = await this.cache.takeReturnTo(
      typeof body.RelayState === 'string' ? body.RelayState : undefined
    )
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
    // The signed Assertion's Issuer: the certificate alone does not say which IdP spoke.
    if (profile.issuer !== samlConfig.idp.entityId) {
      throw new SamlResponseRejectedException('Assertion Issuer is not the configured IdP')
    }
    return { profile, returnTo, requestId: inResponseTo }
  }

  /**
   * SP metadata for the IdP or federation registry: exactly what the
   * portal supports, single logout on both bindings only when the IdP has
   * an SLO endpoint to answer to.
   */
  metadata() {
    const saml = this.#saml()
    const certificate = readPem(samlConfig.sp.certificate)
    const xml = saml.generateServiceProviderMetadata(certificate, certificate)
    return this.singleLogout ? withSingleLogoutServices(xml, samlConfig.sp.sloUrl) : xml
  }

  /** Whether the IdP takes part in single logout (it has an SLO endpoint). */
  get singleLogout() {
    return samlConfig.enabled && Boolean(samlConfig.idp.sloUrl)
  }

  /** The IdP URL that ends the IdP session (HTTP-Redirect binding, signed). */
  async logoutUrl(session: SamlSessionInfo, returnTo: string) {
    const relayState = await this.cache.saveReturnTo(returnTo)
    return this.#saml().getLogoutUrlAsync(
      {
        issuer: samlConfig.idp.entityId,
        nameID: session.nameID,
        nameIDFormat: session.nameIDFormat,
        sessionIndex: session.sessionIndex,
      },
      relayState,
      {}
    )
  }

  /**
   * Validates a LogoutRequest or LogoutResponse the IdP sent to the SLO
   * endpoint over either binding: the structural checks of
   * saml_logout_message, then node-saml's signature check (over the raw
   * query for HTTP-Redirect, the enveloped XML signature for HTTP-POST),
   * then single use: a LogoutResponse must answer a LogoutRequest this
   * portal issued and not yet saw answered, and a LogoutRequest id is
   * acted on once.
   */
  async consumeLogout(
    binding: SamlBinding,
    input: Record<string, unknown>,
    rawQuery: string
  ): Promise<ConsumedLogout> {
    if (!this.singleLogout) {
      throw new NotFoundException()
    }
    const message = readLogoutMessage(binding, input, {
      sloUrl: samlConfig.sp.sloUrl,
      idpEntityId: samlConfig.idp.entityId,
      maxAgeMs: samlConfig.requestTtlMs,
      clockSkewMs: samlConfig.clockSkewMs,
    })
    const result = await this.#validateLogoutSignature(binding, message.fields, rawQuery)

    if (message.kind === 'response') {
      if (!result.loggedOut || !(await this.cache.takeRequest(message.inResponseTo))) {
        throw new SamlResponseRejectedException(
          'LogoutResponse InResponseTo unknown or already used'
        )
      }
      return {
        kind: 'response',
        binding,
        returnTo: await this.cache.takeReturnTo(message.fields.RelayState),
      }
    }

    if (!result.profile) {
      throw new SamlResponseRejectedException('logout request without subject')
    }
    // Requests older than maxAgeMs are refused, so remembering ids that long refuses every replay.
    const window = samlConfig.requestTtlMs + 2 * samlConfig.clockSkewMs
    if (!(await this.cache.firstSighting('LogoutRequest', message.id, window))) {
      throw new SamlResponseRejectedException('LogoutRequest already received (replay)')
    }
    return {
      kind: 'request',
      binding,
      request: result.profile,
      relayState: message.fields.RelayState,
    }
  }

  async #validateLogoutSignature(
    binding: SamlBinding,
    fields: LogoutMessageFields,
    rawQuery: string
  ) {
    const saml = this.#saml({ validateInResponseTo: ValidateInResponseTo.never })
    try {
      if (binding === 'redirect') {
        return await saml.validateRedirectAsync(fields as Record<string, string>, rawQuery)
      }
      if (fields.SAMLRequest) {
        return await saml.validatePostRequestAsync({ SAMLRequest: fields.SAMLRequest })
      }
      return await saml.validatePostResponseAsync({ SAMLResponse: fields.SAMLResponse! })
    } catch (error) {
      throw new SamlResponseRejectedException((error as Error).message)
    }
  }

  /** Answer to an IdP-initiated LogoutRequest. */
  logoutResponseUrl(request: Profile, relayState: string) {
    return this.#saml().getLogoutResponseUrlAsync(request, relayState, {}, true)
  }
}
