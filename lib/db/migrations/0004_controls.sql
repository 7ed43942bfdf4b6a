CREATE TABLE "control_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"idempotency_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text NOT NULL,
	"actor_role" text NOT NULL,
	"target" text NOT NULL,
	"target_kind" text NOT NULL,
	"control" text NOT NULL,
	"params" jsonb NOT NULL,
	"reason" text NOT NULL,
	"ticket_id" text NOT NULL,
	"tier" text NOT NULL,
	"required_role" text NOT NULL,
	"state" text NOT NULL,
	"preview" text,
	"approval_required" boolean DEFAULT false NOT NULL,
	"approval_expires_at" timestamp (3) with time zone,
	"approver_id" text,
	"approver_name" text,
	"decided_at" timestamp (3) with time zone,
	"decision_note" text,
	"result" jsonb,
	"result_summary" text,
	"verification" jsonb,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "control_requests_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "control_requests_state_check" CHECK ("control_requests"."state" in ('pending_approval','approved','executing','succeeded','failed','outcome_unknown','expired','rejected'))
);
--> statement-breakpoint
CREATE INDEX "control_requests_state_idx" ON "control_requests" USING btree ("state");--> statement-breakpoint
CREATE INDEX "control_requests_actor_idx" ON "control_requests" USING btree ("actor_id","created_at");--> statement-breakpoint
CREATE INDEX "control_requests_created_idx" ON "control_requests" USING btree ("created_at");