CREATE TABLE "source_freshness_changes" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"system" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"freshness" text NOT NULL,
	"last_success_at" timestamp (3) with time zone,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "finding_transitions" ADD COLUMN "kind" text DEFAULT 'state' NOT NULL;--> statement-breakpoint
ALTER TABLE "finding_transitions" ADD COLUMN "finding" jsonb;--> statement-breakpoint
ALTER TABLE "finding_transitions" ADD COLUMN "actor_name" text;--> statement-breakpoint
ALTER TABLE "finding_transitions" ADD COLUMN "detail" jsonb;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "source_freshness_changes_system_idx" ON "source_freshness_changes" USING btree ("system","at");--> statement-breakpoint
CREATE INDEX "source_freshness_changes_at_idx" ON "source_freshness_changes" USING btree ("at");--> statement-breakpoint
CREATE INDEX "finding_transitions_at_idx" ON "finding_transitions" USING btree ("at");--> statement-breakpoint
ALTER TABLE "finding_transitions" ADD CONSTRAINT "finding_transitions_kind_check" CHECK ("finding_transitions"."kind" in ('state','ack','silence'));--> statement-breakpoint
-- A transition written without its finding gets the finding as the same transaction just stored
-- it: the board engine upserts `findings` and then inserts the transitions, so this is the finding
-- (evidence included) at the moment of the transition.
CREATE OR REPLACE FUNCTION finding_transitions_fill_finding() RETURNS trigger AS $$
BEGIN
  IF NEW.finding IS NULL THEN
    SELECT f.finding INTO NEW.finding FROM findings f WHERE f.id = NEW.finding_id;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER finding_transitions_fill_finding
  BEFORE INSERT ON finding_transitions
  FOR EACH ROW EXECUTE FUNCTION finding_transitions_fill_finding();
--> statement-breakpoint
-- Each change of a source's freshness, at the time of the poll that changed it (its last success
-- or last error, whichever is later), so replay can show every source as it was at a moment.
CREATE OR REPLACE FUNCTION source_status_record_freshness() RETURNS trigger AS $$
DECLARE
  ok_ms double precision := (NEW.status->>'lastSuccessAt')::double precision;
  err_ms double precision := (NEW.status->'lastError'->>'at')::double precision;
  poll_ms double precision := greatest(ok_ms, err_ms);
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.status->>'freshness') IS NOT DISTINCT FROM (NEW.status->>'freshness') THEN
    RETURN NEW;
  END IF;
  INSERT INTO source_freshness_changes (system, at, freshness, last_success_at, last_error)
  VALUES (
    NEW.system,
    CASE WHEN poll_ms IS NULL THEN NEW.updated_at ELSE to_timestamp(poll_ms / 1000.0) END,
    coalesce(NEW.status->>'freshness', 'no_data'),
    CASE WHEN ok_ms IS NULL THEN NULL ELSE to_timestamp(ok_ms / 1000.0) END,
    CASE WHEN NEW.status->'lastError' IS NULL THEN NULL
         ELSE (NEW.status->'lastError'->>'kind') || ': ' || (NEW.status->'lastError'->>'detail') END
  );
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER source_status_record_freshness
  AFTER INSERT OR UPDATE ON source_status
  FOR EACH ROW EXECUTE FUNCTION source_status_record_freshness();
