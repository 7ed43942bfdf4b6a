import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import { Shell } from "@/components/shell/shell";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const actor = await getActor();
  if (!actor) redirect("/signin");
  // No query-client provider here: no console screen uses one, and it would put the query
  // library on every screen's first load. A screen that needs it wraps itself in <Providers>.
  return <Shell actor={actor}>{children}</Shell>;
}
