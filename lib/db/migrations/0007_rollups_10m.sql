CREATE TABLE "telemetry_rollups_10m" (
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
	CONSTRAINT "telemetry_rollups_10m_series_key_bucket_pk" PRIMARY KEY("series_key","bucket")
);
--> statement-breakpoint
ALTER TABLE "telemetry_samples" ADD COLUMN "rolled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "telemetry_rollups_10m_metric_idx" ON "telemetry_rollups_10m" USING btree ("system","metric","bucket");--> statement-breakpoint
CREATE INDEX "telemetry_samples_unrolled_idx" ON "telemetry_samples" USING btree ("system","metric","observed_at") WHERE not "telemetry_samples"."rolled";--> statement-breakpoint
-- Backfill: every one-minute rollup already kept goes into its ten-minute bucket (buckets start on
-- whole ten minutes since the epoch, as in lib/collector/history.ts). Raw samples already stored
-- start as not rolled: the next rollup run counts them into both tiers.
INSERT INTO "telemetry_rollups_10m" ("series_key", "system", "entity", "metric", "labels", "bucket", "avg", "min", "max", "last", "n")
SELECT "series_key", min("system"), min("entity"), min("metric"), (array_agg("labels"))[1],
       date_bin('10 minutes', "bucket", timestamptz '1970-01-01 00:00:00+00') AS "b",
       sum("avg" * "n") / sum("n"), min("min"), max("max"),
       (array_agg("last" ORDER BY "bucket" DESC))[1], sum("n")::int
FROM "telemetry_rollups_1m"
GROUP BY "series_key", "b";
