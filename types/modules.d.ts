// oidc-provider ships no type declarations; it is used only by the test harness.
declare module "oidc-provider";

// React's reply encoder as bundled with Next; the e2e suite uses it to call server actions the way
// the browser does.
declare module "next/dist/compiled/react-server-dom-turbopack/client.edge" {
  export function encodeReply(value: unknown): Promise<string | FormData>;
}
