ALTER TABLE "reports" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "reports_seq_idx" ON "reports" USING btree ("seq");