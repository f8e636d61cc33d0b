CREATE TABLE "event_sequence" (
	"id" integer PRIMARY KEY NOT NULL,
	"last" bigint NOT NULL,
	"pruned_through" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "domain_events" ADD COLUMN "seq" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "domain_events_seq_uq" ON "domain_events" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "domain_events_unsequenced_idx" ON "domain_events" USING btree ("id") WHERE "domain_events"."seq" is null;--> statement-breakpoint
CREATE INDEX "domain_events_at_idx" ON "domain_events" USING btree ("at");--> statement-breakpoint
INSERT INTO "event_sequence" ("id", "last", "pruned_through") VALUES (1, 0, 0);--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cx_domain_events_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A wake-up for the sequencers of every instance, delivered when the transaction commits.
  PERFORM pg_notify('cx_events_new', '');
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "domain_events_inserted" AFTER INSERT ON "domain_events" FOR EACH STATEMENT EXECUTE FUNCTION "cx_domain_events_inserted"();
