import type { NextConfig } from "next";
import { COMMON_HEADERS, HSTS, STATUS_HEADERS } from "./lib/security/headers";

const nextConfig: NextConfig = {
  // PGlite ships WASM and data files that must be loaded from node_modules at run time;
  // bundling it breaks every database-backed route after a successful build. snappy is a native
  // addon and protobufjs loads optional modules at run time: both stay in node_modules too.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "bcryptjs", "snappy", "protobufjs", "undici"],
  poweredByHeader: false,
  // `npm test` typechecks the whole project as its own step; the build does not repeat it.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  // The stylesheet is small (Tailwind emits only the classes in use) and was the one request
  // between the HTML and the first paint: inlined, a phone paints the server-rendered board or
  // status as soon as the HTML arrives instead of after the stylesheet (and, under load, after
  // the scripts that raced it).
  experimental: { inlineCss: true },
  // The security headers (lib/security/headers.ts, shared with the live edge). Headers are fixed at
  // build time, so NEXTAUTH_URL cannot decide HSTS: it is sent when the terminating proxy says the
  // request came over TLS; browsers ignore it on plain http anyway.
  async headers() {
    return [
      { source: "/:path*", headers: [...COMMON_HEADERS] },
      {
        source: "/:path*",
        has: [{ type: "header", key: "x-forwarded-proto", value: "https" }],
        headers: [HSTS],
      },
      { source: "/status/:token*", headers: [...STATUS_HEADERS, { key: "Cache-Control", value: "no-store" }] },
      { source: "/api/status/:token*", headers: [...STATUS_HEADERS] },
    ];
  },
};
export default nextConfig;
