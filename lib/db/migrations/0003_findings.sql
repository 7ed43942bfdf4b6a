CREATE TABLE "finding_acks" (
	"finding_id" text NOT NULL,
	"onset" timestamp (3) with time zone NOT NULL,
	"user_id" text NOT NULL,
	"user_name" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "finding_acks_finding_id_onset_pk" PRIMARY KEY("finding_id","onset")
);
--> statement-breakpoint
CREATE TABLE "finding_transitions" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"finding_id" text NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"severity" text NOT NULL,
	"summary" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" text PRIMARY KEY NOT NULL,
	"rule_id" text NOT NULL,
	"system" text NOT NULL,
	"entity" text NOT NULL,
	"state" text NOT NULL,
	"severity" text NOT NULL,
	"finding" jsonb NOT NULL,
	"since" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "finding_transitions_finding_idx" ON "finding_transitions" USING btree ("finding_id","at");--> statement-breakpoint
CREATE INDEX "findings_state_idx" ON "findings" USING btree ("state");