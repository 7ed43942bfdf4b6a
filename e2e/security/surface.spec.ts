import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { ACTIONS, ROUTES } from "./surface";

// The surface table must list exactly what the code exposes: every export of a "use server"
// module, every server action the build registered (inline ones included), and every method of
// every route handler (metadata routes such as the web manifest included). A new action or route
// that is not in the table fails here, so it cannot escape the matrix.

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === "node_modules" ? [] : walk(p);
    return /\.(ts|tsx|js|jsx|mjs)$/.test(d.name) && !/\.test\.tsx?$/.test(d.name) ? [p] : [];
  });
}

const stripComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

/** Names a module exports (functions, consts, export lists, default). */
export function exportedNames(src: string): string[] {
  const s = stripComments(src);
  const names = new Set<string>();
  for (const m of s.matchAll(/export\s+(?:async\s+)?function\s*\*?\s*(\w+)/g)) names.add(m[1]!);
  for (const m of s.matchAll(/export\s+(?:const|let|var)\s+(\w+)/g)) names.add(m[1]!);
  for (const m of s.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of m[1]!
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean))
      names.add(
        part
          .split(/\s+as\s+/)
          .pop()!
          .trim(),
      );
  }
  if (/export\s+default\b/.test(s)) names.add("default");
  return [...names];
}

const isUseServerModule = (src: string) => /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use server["']/.test(src);

test.describe("the surface table is complete", () => {
  test("every server action (source modules and build manifest) is listed, and nothing else", () => {
    const fromSource = new Set<string>();
    for (const file of ["app", "lib", "components"].flatMap(walk)) {
      const src = readFileSync(file, "utf8");
      if (isUseServerModule(src))
        for (const n of exportedNames(src)) fromSource.add(`${file.split(path.sep).join("/")}#${n}`);
    }
    const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
      node: Record<string, { exportedName?: string; filename?: string }>;
    };
    const fromBuild = new Set(Object.values(manifest.node).map((v) => `${v.filename}#${v.exportedName}`));
    const listed = ACTIONS.map((a) => `${a.module}#${a.name}`).sort();

    expect(fromSource.size, "found the server action modules").toBeGreaterThan(0);
    expect([...fromSource].sort(), 'exports of "use server" modules vs the surface table').toEqual(listed);
    expect(
      [...fromBuild].sort(),
      "server actions in the build vs the surface table (a difference not in the line above is an inline action)",
    ).toEqual(listed);
  });

  test("every route handler method (source and build) is listed, and nothing else", () => {
    const fromSource = new Set<string>();
    for (const file of walk("app")) {
      const rel = file.split(path.sep).join("/");
      if (!/\/route\.(ts|js)$/.test(rel)) continue;
      for (const n of exportedNames(readFileSync(file, "utf8")))
        if (HTTP_METHODS.includes(n)) fromSource.add(`${rel}#${n}`);
    }
    // Metadata routes (app/manifest.ts, robots, sitemap, icons…) are GET handlers Next generates.
    const builtRoutes = Object.values(
      JSON.parse(readFileSync(".next/server/app-paths-manifest.json", "utf8")) as Record<string, string>,
    ).filter((f) => f.endsWith("/route.js"));
    const builtSources = new Set<string>();
    for (const built of builtRoutes) {
      const handler = built.replace(/\.js$/, ".ts");
      if (existsSync(handler)) {
        builtSources.add(handler);
        continue;
      }
      const meta = built.replace(/\.[a-z]+\/route\.js$/, "");
      const source = [".ts", ".tsx", ".js"].map((ext) => `${meta}${ext}`).find(existsSync);
      expect(source, `source of the built route ${built}`).toBeTruthy();
      builtSources.add(source!);
      fromSource.add(`${source}#GET`);
    }
    const listed = ROUTES.map((r) => `${r.file}#${r.method}`).sort();
    expect([...fromSource].sort(), "route handler methods vs the surface table").toEqual(listed);
    expect(
      [...new Set(listed.map((l) => l.split("#")[0]))].sort(),
      "route files in the build vs the surface table",
    ).toEqual([...builtSources].sort());
  });
});
