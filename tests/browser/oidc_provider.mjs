// A real OpenID Connect provider (the npm package oidc-provider) for the sign-in tests, on a free
// loopback port. Started by tests/accounts/provider.py with one argument: a JSON file holding
//   client_id, client_jwks (the test client's public keys, for private_key_jwt),
//   signing_jwks (the provider's own private signing keys; the tests keep a copy to forge tokens),
//   redirect_uris, post_logout_redirect_uris, and accounts ({sub: {extra claims}}).
// It prints one line of JSON ({"issuer": ...}) once it listens, and runs until it is stopped.
//
// The log-in page asks only for a subject ("login"): whoever types one is that person. Consent is
// given at once. PKCE is required of every client, and the client must use private_key_jwt.

import fs from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: config.client_jwks,
      redirect_uris: config.redirect_uris,
      post_logout_redirect_uris: config.post_logout_redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: config.signing_jwks,
    cookies: { keys: ['test-only-cookie-key-0123456789'] },
    pkce: { required: () => true },
    // The person's claims in the ID token itself, as HelseID and Entra ID give them.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'role'],
      email: ['email'],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Sign out', `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            name: `Test Person ${sub}`,
            given_name: 'Test',
            family_name: `Person ${sub}`,
            email: `${sub}@example.no`,
            ...(accounts[sub] || {}),
          };
        },
      };
    },
  });

  async function grantAll(details) {
    const { params, session } = details;
    const accountId = details.result?.login?.accountId || session?.accountId;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: params.client_id });
    grant.addOIDCScope(params.scope);
    return grant.save();
  }

  async function interaction(req, res) {
    const [, , uid, action] = req.url.split('?')[0].split('/');
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'GET' && details.prompt.name === 'login') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page('Test identity provider', `<form method="post" action="/interaction/${uid}/login">`
        + '<label for="login">Subject</label> <input id="login" name="login" required>'
        + ' <button type="submit">Sign in</button></form>'));
      return;
    }
    if (req.method === 'POST' && action === 'login') {
      const body = await new Promise((resolve) => {
        let data = '';
        req.on('data', (chunk) => { data += chunk; });
        req.on('end', () => resolve(new URLSearchParams(data)));
      });
      const accountId = body.get('login');
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false });
      return;
    }
    // Consent alone (signed in here already): given at once.
    const grantId = await grantAll(details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(req, res).catch((error) => {
        res.statusCode = 400;
        res.end(String(error));
      });
      return;
    }
    callback(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
