/**
 * What the portal session remembers of the OpenID Connect sign-in that
 * opened it: the ID token (the `id_token_hint` of RP-initiated logout),
 * and when, and for whom, the provider last vouched.
 */
export type OidcSessionState = {
  idToken?: string
  /** Epoch milliseconds of the sign-in's completion at the callback. */
  assertedAt?: number
  userId?: number
}
