// A real OpenID Connect provider (node-oidc-provider) for the sign-in tests: tests/accounts/test_oidc*.py and
// tests/browser/test_oidc*.py start it with `node provider.js` on a free loopback port (tests/accounts/oidc_support.py).
//
// Environment:
//   PORT              the loopback port to listen on (required)
//   REDIRECT_URIS     the relying party's callback addresses, comma-separated
//   POST_LOGOUT_URIS  where the provider may send the browser back after sign-out, comma-separated
//   KEYS_FILE         a JSON file of private keys by name, created and extended on demand (so a key keeps its
//                     material between two runs: rotation is a restart with another SIGNING_KEYS)
//   SIGNING_KEYS      the keys the provider holds, comma-separated, the first signs: "name" or "name:kid"
//                     (a key of its own published under another key's kid)
//   PUBLISHED_KEYS    what /jwks publishes (default: the public halves of SIGNING_KEYS); a token signed by a key
//                     left out of it is a token "signed by an unknown key"
//   ID_TOKEN_TTL      seconds an ID token is valid (default 3600)
//
// Test accounts (user name / password), like the national identity's: the personal identification number is a
// claim of its own (personal_id), the subject is an opaque identifier.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT);
const ISSUER = `http://127.0.0.1:${PORT}`;
const list = (value) => (value || '').split(',').map((s) => s.trim()).filter(Boolean);

const ACCOUNTS = {
  an: {
    password: 'mat-khau-an',
    claims: {
      sub: 'vneid-7f3a9c', personal_id: '001090012345', name: 'Nguyễn Văn An', birthdate: '1990-09-05',
      phone_number: '0912345678', email: 'an.nguyen@example.vn',
    },
  },
  binh: {
    password: 'mat-khau-binh',
    claims: {
      sub: 'vneid-2b81d0', personal_id: '079085067890', name: 'Trần Thị Bình', birthdate: '1985-03-17',
      phone_number: '0987654321', email: 'binh.tran@example.vn',
    },
  },
  // No personal identification number: the relying party must refuse the sign-in.
  khach: { password: 'mat-khau-khach', claims: { sub: 'vneid-000000', name: 'Khách' } },
  // A staff member of an organisation's provider, mapped to an existing user by preferred_username.
  canbo: {
    password: 'mat-khau-canbo',
    claims: { sub: 'org-canbo-01', preferred_username: 'clerk-oidc', name: 'Cán bộ Một Cửa', email: 'canbo@example.vn' },
  },
};
const BY_SUB = Object.fromEntries(Object.entries(ACCOUNTS).map(([login, a]) => [a.claims.sub, { login, ...a }]));

// ---------------------------------------------------------------- keys
const keysFile = process.env.KEYS_FILE;
const stored = keysFile && existsSync(keysFile) ? JSON.parse(readFileSync(keysFile, 'utf8')) : {};
function privateKey(name) {
  if (!stored[name]) {
    const { privateKey: key } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    stored[name] = key.export({ format: 'jwk' });
    if (keysFile) writeFileSync(keysFile, JSON.stringify(stored));
  }
  return stored[name];
}
function keyFor(spec) {
  const [name, kid] = spec.split(':');
  return { ...privateKey(name), kid: kid || name, alg: 'RS256', use: 'sig' };
}
const publicHalf = ({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use });
const signing = list(process.env.SIGNING_KEYS || 'a').map(keyFor);
const published = process.env.PUBLISHED_KEYS ? list(process.env.PUBLISHED_KEYS).map(keyFor) : signing;

// ---------------------------------------------------------------- the provider
const configuration = {
  clients: [{
    client_id: 'onecua',
    client_secret: 'onecua-test-secret',
    client_name: 'Một Cửa',
    redirect_uris: list(process.env.REDIRECT_URIS),
    post_logout_redirect_uris: list(process.env.POST_LOGOUT_URIS),
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: signing },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'phone'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'birthdate', 'personal_id', 'preferred_username'],
    email: ['email'],
    phone: ['phone_number'],
  },
  cookies: { keys: ['onecua-test-provider-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Đăng xuất</title></head><body>
          <h1>Đăng xuất khỏi nhà cung cấp định danh?</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Đăng xuất</button></body></html>`;
      },
    },
  },
  ttl: {
    IdToken: () => Number(process.env.ID_TOKEN_TTL || 3600),
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  async findAccount(ctx, id) {
    const account = BY_SUB[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { ...account.claims }; } };
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Lỗi</title></head><body><h1>Lỗi</h1>
      <pre id="error">${String(out.error).replace(/[<>&]/g, '')}</pre></body></html>`;
  },
};

const provider = new Provider(ISSUER, configuration);
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/jwks' && ctx.status === 200) {
    ctx.body = { keys: published.map(publicHalf) };
  }
});
const callback = provider.callback();

// ---------------------------------------------------------------- the login page (no consent: first-party client)
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function loginPage(uid, error) {
  return `<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Định danh điện tử – đăng nhập</title></head>
  <body><h1>Đăng nhập bằng tài khoản định danh điện tử</h1>
  ${error ? `<p id="error">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}">
    <label>Tên đăng nhập <input name="login" id="login" autocomplete="off"></label>
    <label>Mật khẩu <input name="password" id="password" type="password"></label>
    <button type="submit" id="sign-in">Đăng nhập</button>
  </form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'POST') {
      const form = await readForm(req);
      const account = ACCOUNTS[form.get('login') || ''];
      if (account && account.password === form.get('password')) {
        await provider.interactionFinished(req, res, { login: { accountId: account.claims.sub } },
          { mergeWithLastSubmission: false });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(loginPage(uid, 'Sai tên đăng nhập hoặc mật khẩu.'));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(loginPage(uid));
    return;
  }
  // consent: granted at once for the one (first-party) client, as the national single sign-on does.
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`interaction error: ${err.message}`);
    });
    return;
  }
  callback(req, res);
});
server.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${ISSUER}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
