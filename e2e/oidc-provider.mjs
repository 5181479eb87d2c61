// A real OpenID Connect provider (npm `oidc-provider`) on loopback, for the single sign-on
// tests. Usage: node e2e/oidc-provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Prints one line of JSON, {"issuer": "..."}, once it listens.
//
// Its sign-in page signs in, without asking, whoever the test named last: POST /_test/next
// with JSON {"email", "email_verified", "amr"}. Everything else is the provider's own code:
// discovery, authorization with PKCE, the token endpoint (a code works once), signed ID
// tokens, JWKS.
import http from 'node:http';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!clientId || !clientSecret || !redirectUri) {
  console.error('usage: node e2e/oidc-provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI');
  process.exit(2);
}

const accounts = new Map();
let next = { email: 'nobody@example.org', email_verified: true, amr: ['pwd'] };
let counter = 0;

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: { openid: ['sub', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'] },
    // The email claims and the methods used (amr) go in the ID token itself, as Entra ID puts them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['learnloop-test-provider-cookie-key'] },
    findAccount: async (ctx, id) => {
      const a = accounts.get(id);
      if (!a) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, email: a.email, email_verified: a.email_verified, name: a.email }),
      };
    },
  });
  provider.proxy = false;
  const handle = provider.callback();

  server.on('request', async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/_test/next') {
        let body = '';
        for await (const chunk of req) body += chunk;
        next = JSON.parse(body);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
        const details = await provider.interactionDetails(req, res);
        counter += 1;
        const accountId = `account-${counter}`;
        accounts.set(accountId, { ...next });
        const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
        grant.addOIDCScope(details.params.scope);
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, {
          login: { accountId, amr: next.amr },
          consent: { grantId },
        }, { mergeWithLastSubmission: false });
        return;
      }
      handle(req, res);
    } catch (e) {
      console.error(e);
      if (!res.headersSent) res.writeHead(500).end(String(e));
    }
  });
  console.log(JSON.stringify({ issuer }));
});
