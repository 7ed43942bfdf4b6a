ALTER TABLE "notify_outbox" DROP CONSTRAINT "notify_outbox_status_check";--> statement-breakpoint
ALTER TABLE "notify_outbox" ADD COLUMN "finding_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "notify_outbox" ADD COLUMN "members" jsonb;--> statement-breakpoint
UPDATE "notify_outbox" SET "finding_ids" = ARRAY["finding_id"] WHERE "finding_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "notify_outbox_finding_ids_idx" ON "notify_outbox" USING gin ("finding_ids");--> statement-breakpoint
ALTER TABLE "notify_outbox" ADD CONSTRAINT "notify_outbox_status_check" CHECK ("notify_outbox"."status" in ('held','pending','delivered','failed'));