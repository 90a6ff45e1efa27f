// A real OpenID provider (panva/oidc-provider) for the contract suite, on loopback only.
//
//   node server.js <config.json>
//
// The config (written by tests/helpers/oidc.py) names the issuer, the port, the signing
// keys (a private JWKS; the first key signs), the clients and the resources (audiences)
// the provider issues client-credentials access tokens for. Access tokens are RS256 JWTs
// (RFC 9068) with `aud` set to the requested resource and `sub` set to the client id.
// Rotating the signing key is a restart with another key set on the same port.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const resources = new Set(config.resources);

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_post',
    scope: client.scope,
  })),
  jwks: config.jwks,
  scopes: ['openid', ...config.scopes],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    introspection: { enabled: false },
    revocation: { enabled: false },
    resourceIndicators: {
      enabled: true,
      // Without a `resource` parameter the token is for the first resource (the service).
      defaultResource: async () => config.resources[0],
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resourceIndicator) => {
        if (!resources.has(resourceIndicator)) {
          throw new Provider.errors.InvalidTarget();
        }
        return {
          scope: config.scopes.join(' '),
          audience: resourceIndicator,
          accessTokenTTL: config.access_token_ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${config.issuer}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
