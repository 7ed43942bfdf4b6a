import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/auth/options";
import { FOREIGN_ORIGIN_MESSAGE, isForeignOrigin } from "@/lib/auth/same-origin";

// Options are built per process on first request (not at import) so building needs no secrets.
function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(getAuthOptions())(req, ctx);
}

// next-auth's CSRF token guards its POSTs; refusing another site's Origin as well means a page
// elsewhere cannot sign a browser in or out even if a token leaked.
function post(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  if (isForeignOrigin(req.headers)) return Response.json({ error: FOREIGN_ORIGIN_MESSAGE }, { status: 403 });
  return handler(req, ctx);
}
export { handler as GET, post as POST };
