// node-oidc-provider (OpenID Certified, in-memory storage) as the peer Datong's login benchmark
// measures itself against. The login completes by itself: the interaction page signs in one of
// 200 accounts and grants the requested scopes at once, so the peer does no upstream login and
// one login is authorize → interaction → resume → token → userinfo.
//
// Run by server/examples/peer_bench.rs from target/peer-bench (where `make bench` installs the
// package); prints "listening on http://127.0.0.1:PORT".
import http from 'node:http';
import Provider from 'oidc-provider';

const ACCOUNTS = 200;
const server = http.createServer();
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.PEER_CLIENT_ID ?? 'peer-bench',
    client_secret: process.env.PEER_CLIENT_SECRET ?? 'peer-bench-secret-peer-bench-secret',
    redirect_uris: [process.env.PEER_REDIRECT ?? 'https://rp.example.com/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }],
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, nickname: `Peer ${id}` }; } };
  },
  claims: { openid: ['sub'], profile: ['nickname'] },
  cookies: { keys: ['peer-bench-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // Refresh tokens rotate, as Datong's do.
  rotateRefreshToken: true,
});

let next = 0;
server.on('request', async (req, res) => {
  if (!req.url.startsWith('/interaction/')) {
    provider.callback()(req, res);
    return;
  }
  try {
    const details = await provider.interactionDetails(req, res);
    const accountId = `account-${next++ % ACCOUNTS}`;
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e));
  }
});
console.log(`listening on ${issuer}`);
