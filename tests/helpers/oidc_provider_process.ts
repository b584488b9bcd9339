/**
 * A real, certified OpenID provider (the `oidc-provider` package) for
 * tests, run as its own process on 127.0.0.1 with keys of its own:
 *
 *   node --import=@poppinss/ts-exec tests/helpers/oidc_provider_process.ts
 *
 * Environment: OP_PORT, OP_CLIENTS (JSON array of oidc-provider client
 * metadata). It prints "ready <issuer>" once it listens.
 *
 * Sign-in needs no person: GET /interaction/:uid signs in whoever the
 * test named last (POST /__test/next-login {"sub", "claims"}). A test
 * can make the token endpoint hand out a bad ID token
 * (POST /__test/id-token {"mode"}): "tampered" (payload changed after
 * signing), "expired", "wrong-audience", "wrong-issuer", "foreign-key"
 * (signed with a key the provider never published), or "genuine".
 * Tests drive it with tests/helpers/oidc_provider.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import Provider from 'oidc-provider'
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'

type IdTokenMode =
  'genuine' | 'tampered' | 'expired' | 'wrong-audience' | 'wrong-issuer' | 'foreign-key'

const port = Number(process.env.OP_PORT)
const issuer = `http://127.0.0.1:${port}`
const clients = JSON.parse(process.env.OP_CLIENTS ?? '[]')

const kid = `op-${randomBytes(4).toString('hex')}`
const signing = await generateKeyPair('RS256', { extractable: true })
const foreign = await generateKeyPair('RS256', { extractable: true })
const privateJwk = { ...(await exportJWK(signing.privateKey)), kid, alg: 'RS256', use: 'sig' }

const accounts = new Map<string, Record<string, unknown>>()
let nextLogin: string | null = null
let idTokenMode: IdTokenMode = 'genuine'

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [privateJwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'groups'],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const claims = accounts.get(sub)
    if (!claims) {
      return undefined
    }
    return { accountId: sub, claims: async () => ({ sub, ...claims }) }
  },
  async loadExistingGrant(ctx) {
    // First-party client: every requested scope is granted without a consent page.
    const grant = new ctx.oidc.provider.Grant({
      accountId: ctx.oidc.session!.accountId!,
      clientId: ctx.oidc.client!.clientId,
    })
    grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'))
    await grant.save()
    return grant
  },
})

/** The token endpoint's ID token, spoiled as the test asked. */
async function spoil(idToken: string, mode: IdTokenMode) {
  const claims = decodeJwt(idToken)
  const now = Math.floor(Date.now() / 1000)
  const sign = (payload: Record<string, unknown>, key = signing.privateKey) =>
    new SignJWT(payload)
      .setProtectedHeader({ ...decodeProtectedHeader(idToken), alg: 'RS256', kid })
      .sign(key)
  switch (mode) {
    case 'tampered': {
      const [header, , signature] = idToken.split('.')
      const payload = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString(
        'base64url'
      )
      return `${header}.${payload}.${signature}`
    }
    case 'expired':
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 })
    case 'wrong-audience':
      return sign({ ...claims, aud: 'another-client' })
    case 'wrong-issuer':
      return sign({ ...claims, iss: 'http://127.0.0.1:9/other-issuer' })
    case 'foreign-key':
      return sign(claims, foreign.privateKey)
    default:
      return idToken
  }
}

provider.use(async (ctx, next) => {
  await next()
  const body = ctx.body as { id_token?: string } | undefined
  if (ctx.path === '/token' && body?.id_token && idTokenMode !== 'genuine') {
    ctx.body = { ...body, id_token: await spoil(body.id_token, idTokenMode) }
  }
})

async function readJson(request: IncomingMessage) {
  let text = ''
  for await (const chunk of request) {
    text += chunk
  }
  return JSON.parse(text || '{}')
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

const handle = provider.callback()

const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? '/', issuer).pathname
  try {
    if (request.method === 'POST' && path === '/__test/next-login') {
      const { sub, claims } = await readJson(request)
      accounts.set(sub, claims ?? {})
      nextLogin = sub
      return send(response, 204, null)
    }
    if (request.method === 'POST' && path === '/__test/id-token') {
      idTokenMode = (await readJson(request)).mode
      return send(response, 204, null)
    }
    if (request.method === 'GET' && path.startsWith('/interaction/')) {
      if (!nextLogin) {
        return send(response, 409, { error: 'no one to sign in: POST /__test/next-login first' })
      }
      await provider.interactionFinished(
        request,
        response,
        { login: { accountId: nextLogin } },
        { mergeWithLastSubmission: false }
      )
      return
    }
    handle(request, response)
  } catch (error) {
    send(response, 500, { error: String(error) })
  }
})

server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`)
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)))
}
