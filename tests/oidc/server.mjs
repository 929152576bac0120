// A real OAuth 2.0 / OpenID Connect server (oidc-provider) for claimcheck's
// end-to-end test of remote keys. It issues RFC 9068 JWT access tokens through
// the client_credentials grant and signs them with a fresh RSA key whose `kid`
// comes from the SIGNING_KID environment variable, so a restart with another
// kid is a key rotation.
//
// Environment: PORT (0 picks a free one; pass the same port on restart so the
// issuer stays the same), SIGNING_KID. Prints `READY <issuer>` once listening.
// Exits when its stdin closes, so it never outlives the test that started it.

import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? '0');
const kid = process.env.SIGNING_KID ?? 'key-1';
const audience = 'api://claimcheck';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'gateway-test',
        client_secret: 'gateway-test-secret',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: 'mcp:read mcp:write',
      },
    ],
    scopes: ['openid', 'mcp:read', 'mcp:write'],
    jwks: { keys: [signingKey] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'mcp:read mcp:write',
          audience,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`READY ${issuer}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
