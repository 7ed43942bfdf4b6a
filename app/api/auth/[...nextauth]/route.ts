import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/auth/options";

// Options are built per process on first request (not at import) so building needs no secrets.
function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(getAuthOptions())(req, ctx);
}
export { handler as GET, handler as POST };
