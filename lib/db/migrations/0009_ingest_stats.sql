CREATE TABLE "ingest_lines" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"system" text NOT NULL,
	"outcome" text NOT NULL,
	"receiver" text NOT NULL,
	"ref" text NOT NULL,
	"line" text NOT NULL,
	"reason" text NOT NULL,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_stats" (
	"system" text PRIMARY KEY NOT NULL,
	"received" bigint DEFAULT 0 NOT NULL,
	"stored" bigint DEFAULT 0 NOT NULL,
	"duplicates" bigint DEFAULT 0 NOT NULL,
	"unparsed" bigint DEFAULT 0 NOT NULL,
	"rejected" bigint DEFAULT 0 NOT NULL,
	"last_receiver" text,
	"last_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE INDEX "ingest_lines_system_idx" ON "ingest_lines" USING btree ("system","outcome","seq");