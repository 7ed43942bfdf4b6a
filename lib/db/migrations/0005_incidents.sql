CREATE TABLE "incident_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"incident_id" uuid NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"kind" text NOT NULL,
	"actor_id" text,
	"actor_name" text,
	"text" text NOT NULL,
	"ref" text,
	"data" jsonb,
	"audit_seq" bigint
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"severity" text NOT NULL,
	"status" text NOT NULL,
	"commander_id" text,
	"commander_name" text,
	"responders" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"affected" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"runbook" text,
	"source_finding_id" text,
	"opened_by_id" text NOT NULL,
	"opened_by_name" text NOT NULL,
	"opened_at" timestamp (3) with time zone NOT NULL,
	"resolved_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "incidents_severity_check" CHECK ("incidents"."severity" in ('SEV1','SEV2','SEV3')),
	CONSTRAINT "incidents_status_check" CHECK ("incidents"."status" in ('investigating','mitigating','monitoring','resolved'))
);
--> statement-breakpoint
ALTER TABLE "control_requests" ADD COLUMN "incident_id" uuid;--> statement-breakpoint
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incident_events_incident_idx" ON "incident_events" USING btree ("incident_id","at");--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status","opened_at");--> statement-breakpoint
CREATE INDEX "control_requests_incident_idx" ON "control_requests" USING btree ("incident_id");