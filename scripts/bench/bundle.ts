// First-load JavaScript per route from the build output: the root main files every page loads plus
// the chunks the route's client reference manifest lists for its layouts, boundaries and page,
// each gzipped (zlib default level, as a server compressing on the fly would send it).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { gzipSync } from "node:zlib";

export interface RouteJs {
  route: string;
  chunks: number;
  rawKiB: number;
  gzipKiB: number;
}

export function firstLoadJs(root: string): RouteJs[] {
  const next = path.join(root, ".next");
  const build = JSON.parse(readFileSync(path.join(next, "build-manifest.json"), "utf8")) as {
    rootMainFiles: string[];
    pagesChunkGroupBootstrapParams?: Record<string, unknown>;
  };
  const routes = Object.keys(build.pagesChunkGroupBootstrapParams ?? {}).filter(
    (r) => r.endsWith("/page") && !r.startsWith("/_"),
  );
  const sizes = new Map<string, { raw: number; gz: number }>();
  const size = (file: string) => {
    let s = sizes.get(file);
    if (!s) {
      const buf = readFileSync(path.join(next, file));
      s = { raw: buf.length, gz: gzipSync(buf).length };
      sizes.set(file, s);
    }
    return s;
  };
  const out: RouteJs[] = [];
  for (const route of routes) {
    const file = path.join(next, "server/app", `${route}_client-reference-manifest.js`);
    if (!existsSync(file)) continue;
    const sandbox = { globalThis: {} as Record<string, unknown> };
    vm.runInNewContext(readFileSync(file, "utf8"), sandbox);
    const manifests = (sandbox.globalThis.__RSC_MANIFEST ?? {}) as Record<
      string,
      { entryJSFiles?: Record<string, string[]> }
    >;
    const m = manifests[route];
    if (!m) continue;
    const files = new Set(build.rootMainFiles);
    for (const list of Object.values(m.entryJSFiles ?? {})) for (const f of list) files.add(f);
    let raw = 0;
    let gz = 0;
    for (const f of files) {
      const s = size(f);
      raw += s.raw;
      gz += s.gz;
    }
    const url = route.replace(/\/page$/, "").replace(/\/\([^)]+\)/g, "") || "/";
    out.push({
      route: url,
      chunks: files.size,
      rawKiB: Math.round((raw / 1024) * 10) / 10,
      gzipKiB: Math.round((gz / 1024) * 10) / 10,
    });
  }
  return out.sort((a, b) => a.route.localeCompare(b.route));
}
