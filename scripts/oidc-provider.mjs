// A real OpenID provider for the sign-in tests: npm's `oidc-provider`
// (installed by scripts/install-oidc-provider.sh) with its development
// login and consent pages, one confidential client, PKCE required, and
// accounts whose `groups` claim the test names.
//
//   node scripts/oidc-provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI ACCOUNTS_JSON
//
// ACCOUNTS_JSON maps a login to its groups ({"alice": ["platform-admins"]});
// any other login signs in with no groups. Prints "oidc-provider listening
// on URL" once it listens. The module is found under
// REGISTRY_TEST_OIDC_NODE_PATH (ES modules do not read NODE_PATH).
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [port, clientId, clientSecret, redirectUri, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson || '{}');
const modules = process.env.REGISTRY_TEST_OIDC_NODE_PATH;
const { default: Provider } = await import(
  pathToFileURL(join(modules, 'oidc-provider', 'lib', 'index.js')).href
);

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
  pkce: { required: () => true, methods: ['S256'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'groups'],
    email: ['email'],
  },
  // The groups go into the ID token itself, as the registry reads them.
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => ({
    accountId: id,
    async claims() {
      return {
        sub: id,
        name: id,
        preferred_username: id,
        email: `${id}@example.com`,
        groups: accounts[id] ?? [],
      };
    },
  }),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['registry-test-cookie-key'] },
});
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
