import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import { Shell } from "@/components/shell/shell";
import { Providers } from "@/components/providers";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const actor = await getActor();
  if (!actor) redirect("/signin");
  // The query client holds the live board snapshot (components/board/use-live-board.ts).
  return (
    <Providers>
      <Shell actor={actor}>{children}</Shell>
    </Providers>
  );
}
