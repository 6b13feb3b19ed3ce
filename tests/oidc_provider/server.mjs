// A local OpenID Connect provider (panva's oidc-provider) for HUSK's SSO tests and `make sso-demo`.
//
// Its sign-in page accepts any login name with any password: the login name becomes the
// account's `sub` and `preferred_username`, and its `email` when it contains an @. It is a
// test and demo identity provider on loopback, never something to put in front of users.
//
// Configured by the environment:
//   PORT                      port on 127.0.0.1 (the issuer is http://127.0.0.1:PORT)
//   CLIENT_ID, CLIENT_SECRET  the one client, HUSK
//   REDIRECT_URIS             comma-separated callback URLs HUSK may ask for
//   POST_LOGOUT_REDIRECT_URIS comma-separated URLs the provider may return to after logout
//   CLOCK_OFFSET_SECONDS      optional: run the provider's clock this far off (negative: slow),
//                             so that it issues tokens that have already expired
//   END_SESSION               optional: "off" for a provider without an end_session_endpoint
// It prints "ready <issuer>" when it listens, and one JSON line per event the tests watch.

const offset = Number(process.env.CLOCK_OFFSET_SECONDS || 0) * 1000;
if (offset) {
  // Before the provider is loaded, so that every timestamp it makes is off.
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + offset;
}

const { default: Provider } = await import('oidc-provider');

const port = Number(process.env.PORT || 9000);
const issuer = `http://127.0.0.1:${port}`;
const list = (name) => (process.env[name] || '').split(',').map((s) => s.trim()).filter(Boolean);

const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

const configuration = {
  clients: [
    {
      client_id: process.env.CLIENT_ID || 'husk',
      client_secret: process.env.CLIENT_SECRET || 'husk-local-secret',
      client_name: 'HUSK',
      redirect_uris: list('REDIRECT_URIS'),
      post_logout_redirect_uris: list('POST_LOGOUT_REDIRECT_URIS'),
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  // HUSK always sends a PKCE challenge: refuse an authorization request without one.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          preferred_username: id,
          name: id,
          ...(id.includes('@') ? { email: id, email_verified: true } : {}),
        };
      },
    };
  },
  // HUSK is the organisation's own application: no consent screen, every requested scope granted.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
  cookies: { keys: ['husk-local-provider-cookie-key'] },
  // The slow clock of CLOCK_OFFSET_SECONDS must not make the browser drop the sign-in cookie.
  ttl: {
    Interaction: 3600 + Math.max(0, -offset / 1000),
    Session: 14 * 24 * 3600,
    IdToken: 3600,
    AccessToken: 3600,
    Grant: 14 * 24 * 3600,
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: process.env.END_SESSION !== 'off',
      async logoutSource(ctx, form) {
        ctx.body = page(
          'Sign out of the local provider?',
          `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`,
        );
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You are signed out of the local provider.</p>');
      },
    },
  },
};

const provider = new Provider(issuer, configuration);

for (const event of ['end_session.success', 'authorization.success', 'grant.success']) {
  provider.on(event, (ctx) => {
    console.log(JSON.stringify({ event, account: ctx.oidc?.session?.accountId ?? null }));
  });
}

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
