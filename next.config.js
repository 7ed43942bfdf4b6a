// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
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
  async headers() {
    const common = [
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "X-Frame-Options", value: "DENY" },
      // The base policy, for route handlers and files. Pages get the full policy, with a per-request
      // script nonce, from proxy.ts (lib/security/csp.ts), which replaces this header on them.
      {
        key: "Content-Security-Policy",
        value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
      },
      { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
    ];
    return [
      { source: "/:path*", headers: [...common, { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" }] },
      // The status view's address is its credential: never send it onwards, never index it.
      // HSTS only when the request came in over TLS (the terminating proxy says so). Headers are fixed
      // at build time, so NEXTAUTH_URL cannot decide this; browsers ignore HSTS on plain http anyway.
      {
        source: "/:path*",
        has: [{ type: "header", key: "x-forwarded-proto", value: "https" }],
        headers: [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }],
      },
      {
        source: "/status/:token*",
        headers: [
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Robots-Tag", value: "noindex, nofollow" },
          { key: "Cache-Control", value: "no-store" },
        ],
      },
      // Its JSON too: the token is in that address as well.
      {
        source: "/api/status/:token*",
        headers: [
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Robots-Tag", value: "noindex, nofollow" },
        ],
      },
    ];
  },
};
module.exports = nextConfig;
