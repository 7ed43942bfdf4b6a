import { z } from "zod";
import { bool, str } from "./common";

// GET /health/live and GET /health/ready, shared by every kind. The HTTP status is the answer;
// the body only adds detail (which checks are degraded).

export const LiveBody = z.object({ status: str });
export type LiveBody = z.infer<typeof LiveBody>;

export const ReadyBody = z.object({
  status: str,
  degraded: z.array(z.string()).nullish(),
  checks: z.record(z.string(), z.object({ ok: bool, detail: str }).nullable()).nullish(),
});
export type ReadyBody = z.infer<typeof ReadyBody>;
