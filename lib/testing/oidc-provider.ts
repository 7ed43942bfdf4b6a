// A real OpenID provider (npm oidc-provider) on loopback, for end-to-end tests of single sign-on.
// Its login interaction checks passwords; groups are released through userinfo only (the provider
// conforms ID token claims), which is what many real providers do.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import Provider from "oidc-provider";

export interface OidcTestAccount {
  username: string;
  password: string;
  name: string;
  email: string;
  groups: string[];
}

export interface OidcTestProviderOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  accounts: OidcTestAccount[];
}

function escapeHtml(s: string) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
      if (body.length > 10_000) req.destroy();
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

function same(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function loginPage(uid: string, error?: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head><body>
<main><h1>Test identity provider</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Continue</button></form></main></body></html>`;
}

export async function startOidcProvider(
  o: OidcTestProviderOptions,
): Promise<{ issuer: string; stop(): Promise<void> }> {
  const issuer = `http://127.0.0.1:${o.port}`;
  const byName = new Map(o.accounts.map((a) => [a.username, a]));
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: o.clientId,
        client_secret: o.clientSecret,
        redirect_uris: [o.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    scopes: ["openid", "profile", "email", "groups"],
    claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"], groups: ["groups"] },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, sub: string) {
      const a = byName.get(sub);
      if (!a) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, name: a.name, preferred_username: a.username, email: a.email, groups: a.groups };
        },
      };
    },
  });
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params, session } = details;
    if (req.method === "POST" && req.url?.endsWith("/login")) {
      const form = await readForm(req);
      const a = byName.get(form.get("username") ?? "");
      if (!a || !same(a.password, form.get("password") ?? "")) {
        res
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(loginPage(uid, "Wrong username or password."));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: a.username } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (prompt.name === "login") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(loginPage(uid));
      return;
    }
    // Consent: the test client is first-party, grant what it asked for.
    const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    grant.addOIDCScope(String(params.scope));
    grant.addOIDCClaims(["name", "preferred_username", "email", "groups"]);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const server = createServer((req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      interaction(req, res).catch((err) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(`interaction failed: ${(err as Error).message}`);
      });
      return;
    }
    callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(o.port, "127.0.0.1", resolve));
  return {
    issuer,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
