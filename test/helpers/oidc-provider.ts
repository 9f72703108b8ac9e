import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person the provider knows: the dev login page takes their id as "login", any password. */
export interface TestAccount {
  name: string;
  preferred_username: string;
  groups: string[];
}

export const OIDC_CLIENT = { id: 'vigil', secret: 'a-test-client-secret-of-no-value' };

/**
 * A real OpenID provider (npm `oidc-provider`) on loopback, with its development login and
 * consent pages: the browser signs in there as a person does at Keycloak or Entra ID. Claims
 * go into the ID token (groups with the profile scope), as Keycloak's group mapper puts them.
 */
export class TestOidcProvider {
  private server: http.Server | undefined;
  issuer = '';

  constructor(
    private readonly accounts: Record<string, TestAccount>,
    private readonly nodeUrl: string,
  ) {}

  async start(): Promise<string> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: OIDC_CLIENT.id,
          client_secret: OIDC_CLIENT.secret,
          redirect_uris: [`${this.nodeUrl}/auth/callback`],
          post_logout_redirect_uris: [`${this.nodeUrl}/`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'] },
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      cookies: { keys: ['a-test-cookie-key-of-no-value'] },
      findAccount: (_ctx: unknown, id: string) => {
        const account = this.accounts[id];
        return account ? { accountId: id, claims: () => ({ sub: id, ...account }) } : undefined;
      },
    });
    server.on('request', provider.callback());
    return this.issuer;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
