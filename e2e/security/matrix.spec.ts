import { expect, test } from "@playwright/test";
import { ROLES, type Role } from "../../lib/auth/roles";
import { Ctx, actionResult, callActionAs, callerWays, send, withQuery, joinCookies, type Reply } from "./harness";
import { CALLERS, SURFACE, allowed, entryName, type Caller, type HttpSample, type SurfaceEntry } from "./surface";

// The security matrix: every entry of the surface table × every caller. Allowed cells must work
// (and change what they change); refused cells must be refused for the right reason and leave
// the audit log and the entry's own state (simulator calls, users, links, incidents…) as they were.

let ctx: Ctx;
let shareToken = "";

test.beforeAll(async () => {
  ctx = new Ctx();
  await ctx.setBotsDown(true);
  // A link kept for the share-token caller (the revoke samples use their own).
  const fd = new FormData();
  fd.append("scope", "board");
  fd.append("label", "matrix: the token a share-token caller holds");
  const r = await ctx.as("commander", "app/(console)/share/actions.ts", "createShareLinkAction", "/share", [null, fd]);
  shareToken = r.text.match(/\/status\/([A-Za-z0-9_-]{43})/)?.[1] ?? "";
  expect(shareToken, "a share token for the share-token caller").not.toBe("");
});

test.afterAll(async () => {
  await ctx?.setBotsDown(false);
  await ctx?.resetSpot();
});

type Input = unknown[] | HttpSample;

async function call(
  entry: SurfaceEntry,
  caller: Caller,
  way: ReturnType<typeof callerWays>[number],
  input: Input,
): Promise<Reply> {
  if (entry.kind === "action")
    return callActionAs(ctx.actionId(entry.module, entry.name), entry.page, input as unknown[], way);
  const s = input as HttpSample;
  // A share-token caller has only the token: the sample's own credential stays behind.
  const credential = caller === "share-token" ? {} : (s.credential ?? {});
  const headers: Record<string, string> = { ...s.headers, ...way.headers, ...credential.headers };
  if (caller === "share-token" && way.headers.Authorization) headers.Authorization = way.headers.Authorization;
  const cookie = joinCookies(way.cookie, credential.cookie);
  if (cookie) headers.Cookie = cookie;
  return send({ method: s.method, path: withQuery(s.path, way.query), headers, body: s.body, stream: entry.stream });
}

function expectAllowed(entry: SurfaceEntry, caller: Caller, r: Reply) {
  if (entry.kind === "action") {
    const res = actionResult(r);
    expect(res, `${entryName(entry)} as ${caller}: ${res.ok ? "" : res.message}`).toMatchObject({ ok: true });
    return;
  }
  if (entry.succeeded)
    expect(entry.succeeded(r), `${entryName(entry)} as ${caller}: HTTP ${r.status} ${r.text.slice(0, 200)}`).toBe(true);
  else expect(r.status, `${entryName(entry)} as ${caller}: ${r.text.slice(0, 200)}`).toBe(entry.okStatus);
  // Readable by the console only: no CORS grant to another site.
  expect(r.headers.get("access-control-allow-origin")).toBeNull();
}

function expectRefused(entry: SurfaceEntry, caller: Caller, r: Reply) {
  const what = `${entryName(entry)} as ${caller}: HTTP ${r.status} ${r.text.slice(0, 200)}`;
  if (entry.kind === "action") {
    const res = actionResult(r);
    expect(res.ok, what).toBe(false);
    const message = res.ok ? "" : res.message;
    if (caller === "foreign-origin") expect(r.status, what).not.toBe(200);
    else if (caller === "anonymous" || caller === "share-token") expect(message, what).toBe("Sign in to do this.");
    else {
      // The first check that stops the caller names the role it needed: above theirs.
      const needed = message.match(/needs the (\w+) role/)?.[1] as Role | undefined;
      expect(needed && ROLES.indexOf(needed) > ROLES.indexOf(caller as Role), what).toBe(true);
    }
    return;
  }
  if (entry.succeeded) expect(entry.succeeded(r), what).toBe(false);
  else expect([401, 403], what).toContain(r.status);
}

type Snapshot = { audit: string[]; state: unknown };
/** The last snapshot taken for an entry: a refused call leaves things as they were, so it is the next "before". */
let last: { entry: SurfaceEntry; snap: Snapshot } | null = null;

async function snapshot(entry: SurfaceEntry): Promise<Snapshot> {
  const snap = { audit: await ctx.audit(), state: entry.probe ? await entry.probe(ctx) : null };
  last = { entry, snap };
  return snap;
}
async function before(entry: SurfaceEntry, madeBefore: number): Promise<Snapshot> {
  return last?.entry === entry && ctx.made === madeBefore ? last.snap : snapshot(entry);
}

for (const entry of SURFACE) {
  // Refused callers first: they must find the fixtures exactly as an allowed caller would.
  const callers = [...CALLERS].sort((a, b) => Number(allowed(entry, a)) - Number(allowed(entry, b)));
  test.describe(entryName(entry), () => {
    for (const caller of callers) {
      const ok = allowed(entry, caller);
      test(`${caller}: ${ok ? "allowed" : "refused"}`, async () => {
        ctx.beginCell();
        for (const way of callerWays(caller, shareToken)) {
          await test.step(way.label, async () => {
            const madeBefore = ctx.made;
            const input: Input = await entry.sample(ctx, caller);
            if (ok) {
              const prior = entry.changes ? await before(entry, madeBefore) : null;
              const r = await call(entry, caller, way, input);
              expectAllowed(entry, caller, r);
              if (prior) {
                const after = await snapshot(entry);
                // Writes are audited; where the entry has its own probe, that must move too.
                if (entry.probe)
                  expect(after.state, `${entryName(entry)} as ${caller} changed nothing`).not.toEqual(prior.state);
                else if (!(entry.kind === "route" && entry.replay))
                  expect(after.audit, `${entryName(entry)} as ${caller} wrote no audit row`).not.toEqual(prior.audit);
              }
              last = null;
              ctx.spend();
            } else {
              const prior = await before(entry, madeBefore);
              const r = await call(entry, caller, way, input);
              expectRefused(entry, caller, r);
              const after = await snapshot(entry);
              expect(after.audit, `audit rows after a refused ${entryName(entry)} as ${caller}`).toEqual(prior.audit);
              expect(after.state, `state after a refused ${entryName(entry)} as ${caller}`).toEqual(prior.state);
              if (entry.kind === "route" && entry.replay) {
                const again = await call(entry, "anonymous", { headers: {}, label: "replay" }, input);
                expect(entry.succeeded?.(again), `the refused ${entryName(entry)} left something behind`).toBe(true);
                last = null;
              }
            }
          });
        }
      });
    }
  });
}
