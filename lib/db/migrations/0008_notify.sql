CREATE TABLE "notify_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"outbox_id" bigint NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"http_status" integer,
	"outcome" text NOT NULL,
	"response" text,
	"instance" text
);
--> statement-breakpoint
CREATE TABLE "notify_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedup_key" text NOT NULL,
	"channel" text NOT NULL,
	"channel_type" text NOT NULL,
	"finding_id" text,
	"event" text NOT NULL,
	"summary" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"delivered_at" timestamp (3) with time zone,
	"last_status" integer,
	"last_response" text,
	CONSTRAINT "notify_outbox_dedup_key_unique" UNIQUE("dedup_key"),
	CONSTRAINT "notify_outbox_status_check" CHECK ("notify_outbox"."status" in ('pending','delivered','failed'))
);
--> statement-breakpoint
CREATE TABLE "notify_state" (
	"finding_id" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "silences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text DEFAULT 'silence' NOT NULL,
	"matchers" jsonb NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"ends_at" timestamp (3) with time zone NOT NULL,
	"reason" text NOT NULL,
	"ticket_id" text NOT NULL,
	"created_by_id" text NOT NULL,
	"created_by_name" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"ended_by_name" text,
	CONSTRAINT "silences_kind_check" CHECK ("silences"."kind" in ('silence','maintenance')),
	CONSTRAINT "silences_window_check" CHECK ("silences"."ends_at" > "silences"."starts_at")
);
--> statement-breakpoint
ALTER TABLE "notify_attempts" ADD CONSTRAINT "notify_attempts_outbox_id_notify_outbox_id_fk" FOREIGN KEY ("outbox_id") REFERENCES "public"."notify_outbox"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notify_attempts_outbox_idx" ON "notify_attempts" USING btree ("outbox_id","at");--> statement-breakpoint
CREATE INDEX "notify_outbox_due_idx" ON "notify_outbox" USING btree ("status","channel","id");--> statement-breakpoint
CREATE INDEX "notify_outbox_finding_idx" ON "notify_outbox" USING btree ("finding_id");--> statement-breakpoint
CREATE INDEX "notify_outbox_created_idx" ON "notify_outbox" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "silences_ends_idx" ON "silences" USING btree ("ends_at");