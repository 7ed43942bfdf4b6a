CREATE TABLE "reports" (
	"system" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"fields" jsonb NOT NULL,
	"observed_at" timestamp (3) with time zone NOT NULL,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_system_id_pk" PRIMARY KEY("system","id")
);
--> statement-breakpoint
CREATE TABLE "source_status" (
	"system" text PRIMARY KEY NOT NULL,
	"status" jsonb NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telemetry_rollups_1m" (
	"series_key" text NOT NULL,
	"system" text NOT NULL,
	"entity" text NOT NULL,
	"metric" text NOT NULL,
	"labels" jsonb NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"avg" double precision NOT NULL,
	"min" double precision NOT NULL,
	"max" double precision NOT NULL,
	"last" double precision NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "telemetry_rollups_1m_series_key_bucket_pk" PRIMARY KEY("series_key","bucket")
);
--> statement-breakpoint
CREATE TABLE "telemetry_samples" (
	"series_key" text NOT NULL,
	"system" text NOT NULL,
	"entity" text NOT NULL,
	"metric" text NOT NULL,
	"labels" jsonb NOT NULL,
	"value" double precision NOT NULL,
	"observed_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "reports_kind_idx" ON "reports" USING btree ("system","kind","observed_at");--> statement-breakpoint
CREATE INDEX "telemetry_rollups_metric_idx" ON "telemetry_rollups_1m" USING btree ("system","metric","bucket");--> statement-breakpoint
CREATE INDEX "telemetry_samples_series_idx" ON "telemetry_samples" USING btree ("series_key","observed_at");--> statement-breakpoint
CREATE INDEX "telemetry_samples_metric_idx" ON "telemetry_samples" USING btree ("system","metric","observed_at");