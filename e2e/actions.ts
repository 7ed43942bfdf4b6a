import { readFileSync } from "node:fs";
import { encodeReply } from "next/dist/compiled/react-server-dom-turbopack/client.edge";
import type { APIRequestContext } from "@playwright/test";

// Server actions called directly over HTTP, the way a hostile client would: the action id from
// the production build's manifest, the arguments encoded as React's client encodes them.

export function actionId(name: string, route: string): string {
  const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
    node: Record<string, { exportedName?: string; workers: Record<string, unknown> }>;
  };
  const hit = Object.entries(manifest.node).find(
    ([, v]) => v.exportedName === name && Object.keys(v.workers).some((w) => w.includes(route)),
  );
  if (!hit) throw new Error(`server action ${name} (${route}) not found in the build manifest`);
  return hit[0];
}

/** Calls `name` (exported from the actions of `route`) with [prevState, FormData(fields)]. */
export async function callAction(
  request: APIRequestContext,
  path: string,
  name: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const body = await encodeReply([null, form]);
  return request.post(path, {
    headers: { "Next-Action": actionId(name, path.replace(/^\//, "")), Accept: "text/x-component", ...headers },
    ...(typeof body === "string" ? { data: body } : { multipart: body }),
  });
}
