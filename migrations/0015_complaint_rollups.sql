CREATE TABLE "complaint_rollup_deltas" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "complaint_rollup_deltas_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"received_at" timestamp (3) with time zone NOT NULL,
	"project_id" bigint NOT NULL,
	"department" text DEFAULT '' NOT NULL,
	"restricted" boolean NOT NULL,
	"status" text NOT NULL,
	"severity" text NOT NULL,
	"category" text NOT NULL,
	"kind" text NOT NULL,
	"complaints" integer DEFAULT 0 NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	"accept_ms_sum" bigint DEFAULT 0 NOT NULL,
	"resolved" integer DEFAULT 0 NOT NULL,
	"resolve_ms_sum" bigint DEFAULT 0 NOT NULL,
	"visited" integer DEFAULT 0 NOT NULL,
	"survey_scored" integer DEFAULT 0 NOT NULL,
	"survey_score_sum" bigint DEFAULT 0 NOT NULL,
	"survey_satisfied" integer DEFAULT 0 NOT NULL,
	"repeats" integer DEFAULT 0 NOT NULL,
	"acceptance_n" integer DEFAULT 0 NOT NULL,
	"acceptance_met" integer DEFAULT 0 NOT NULL,
	"acceptance_breached" integer DEFAULT 0 NOT NULL,
	"escalation_report_n" integer DEFAULT 0 NOT NULL,
	"escalation_report_met" integer DEFAULT 0 NOT NULL,
	"escalation_report_breached" integer DEFAULT 0 NOT NULL,
	"resolution_n" integer DEFAULT 0 NOT NULL,
	"resolution_met" integer DEFAULT 0 NOT NULL,
	"resolution_breached" integer DEFAULT 0 NOT NULL,
	"return_visit_n" integer DEFAULT 0 NOT NULL,
	"return_visit_met" integer DEFAULT 0 NOT NULL,
	"return_visit_breached" integer DEFAULT 0 NOT NULL,
	"repair_visit_n" integer DEFAULT 0 NOT NULL,
	"repair_visit_met" integer DEFAULT 0 NOT NULL,
	"repair_visit_breached" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaint_rollup_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"time_zone" text NOT NULL,
	"built_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaint_rollups" (
	"month" date NOT NULL,
	"project_id" bigint NOT NULL,
	"department" text DEFAULT '' NOT NULL,
	"restricted" boolean NOT NULL,
	"status" text NOT NULL,
	"severity" text NOT NULL,
	"category" text NOT NULL,
	"kind" text NOT NULL,
	"complaints" integer DEFAULT 0 NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	"accept_ms_sum" bigint DEFAULT 0 NOT NULL,
	"resolved" integer DEFAULT 0 NOT NULL,
	"resolve_ms_sum" bigint DEFAULT 0 NOT NULL,
	"visited" integer DEFAULT 0 NOT NULL,
	"survey_scored" integer DEFAULT 0 NOT NULL,
	"survey_score_sum" bigint DEFAULT 0 NOT NULL,
	"survey_satisfied" integer DEFAULT 0 NOT NULL,
	"repeats" integer DEFAULT 0 NOT NULL,
	"acceptance_n" integer DEFAULT 0 NOT NULL,
	"acceptance_met" integer DEFAULT 0 NOT NULL,
	"acceptance_breached" integer DEFAULT 0 NOT NULL,
	"escalation_report_n" integer DEFAULT 0 NOT NULL,
	"escalation_report_met" integer DEFAULT 0 NOT NULL,
	"escalation_report_breached" integer DEFAULT 0 NOT NULL,
	"resolution_n" integer DEFAULT 0 NOT NULL,
	"resolution_met" integer DEFAULT 0 NOT NULL,
	"resolution_breached" integer DEFAULT 0 NOT NULL,
	"return_visit_n" integer DEFAULT 0 NOT NULL,
	"return_visit_met" integer DEFAULT 0 NOT NULL,
	"return_visit_breached" integer DEFAULT 0 NOT NULL,
	"repair_visit_n" integer DEFAULT 0 NOT NULL,
	"repair_visit_met" integer DEFAULT 0 NOT NULL,
	"repair_visit_breached" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "complaint_rollups_pk" PRIMARY KEY("month","project_id","department","restricted","status","severity","category","kind")
);
--> statement-breakpoint
DROP INDEX "complaint_facts_received_idx";--> statement-breakpoint
ALTER TABLE "complaint_facts" ADD COLUMN "restricted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "complaint_facts" f SET "restricted" = true FROM "customers" c WHERE c."id" = f."customer_id" AND c."confidentiality" <> 'NORMAL';--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cx_complaint_fact"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r boolean;
BEGIN
  -- Whether the customer is restricted: read when the complaint is new or changes customer, with
  -- the customer's row locked (FOR SHARE), so a concurrent change of their confidentiality either
  -- waits for this transaction (and then updates this row too) or is seen by it.
  IF TG_OP = 'INSERT' OR OLD."customer_id" IS DISTINCT FROM NEW."customer_id" THEN
    SELECT c."confidentiality" <> 'NORMAL' INTO r FROM "customers" c WHERE c."id" = NEW."customer_id" FOR SHARE;
  END IF;
  INSERT INTO "complaint_facts" AS f ("complaint_id", "project_id", "customer_id", "department", "received_at", "status", "severity", "category", "kind",
    "accept_ms", "resolve_ms", "repeat", "survey_responses", "survey_scored", "survey_score_sum", "survey_satisfied", "restricted")
  VALUES (NEW."id", NEW."project_id", NEW."customer_id", NEW."department", NEW."received_at", NEW."status", NEW."severity", NEW."category", NEW."kind",
    round(extract(epoch from (NEW."accepted_at" - NEW."received_at")) * 1000)::bigint, round(extract(epoch from (NEW."resolved_at" - NEW."received_at")) * 1000)::bigint, NEW."repeat_of_id" IS NOT NULL,
    NEW."survey_responses", NEW."survey_scored", NEW."survey_score_sum", NEW."survey_satisfied", coalesce(r, false))
  ON CONFLICT ("complaint_id") DO UPDATE SET
    "project_id" = excluded."project_id", "customer_id" = excluded."customer_id", "department" = excluded."department", "received_at" = excluded."received_at",
    "status" = excluded."status", "severity" = excluded."severity", "category" = excluded."category", "kind" = excluded."kind",
    "accept_ms" = excluded."accept_ms", "resolve_ms" = excluded."resolve_ms", "repeat" = excluded."repeat",
    "survey_responses" = excluded."survey_responses", "survey_scored" = excluded."survey_scored", "survey_score_sum" = excluded."survey_score_sum",
    "survey_satisfied" = excluded."survey_satisfied", "restricted" = coalesce(r, f."restricted");
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cx_customer_restricted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "complaint_facts" SET "restricted" = NEW."confidentiality" <> 'NORMAL' WHERE "customer_id" = NEW."id";
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "customers_restricted" AFTER UPDATE OF "confidentiality" ON "customers" FOR EACH ROW
  WHEN ((OLD."confidentiality" <> 'NORMAL') IS DISTINCT FROM (NEW."confidentiality" <> 'NORMAL'))
  EXECUTE FUNCTION "cx_customer_restricted"();--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cx_complaint_fact_delta"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN RETURN NULL; END IF;
  -- Until the rollups are built (no state row: a new database, or a bulk load under way), there is
  -- nothing to keep: the build reads complaint_facts, after every writer (it locks the table).
  IF NOT EXISTS (SELECT 1 FROM "complaint_rollup_state" WHERE "id" = 1) THEN RETURN NULL; END IF;
  -- Plain statements of the trigger (plpgsql keeps their plans): one row of differences when the
  -- key is unchanged, else the old row negated and the new one.
  IF TG_OP = 'UPDATE' AND (OLD."received_at", OLD."project_id", coalesce(OLD."department", ''), OLD."restricted", OLD."status", OLD."severity", OLD."category", OLD."kind") IS NOT DISTINCT FROM (NEW."received_at", NEW."project_id", coalesce(NEW."department", ''), NEW."restricted", NEW."status", NEW."severity", NEW."category", NEW."kind") THEN
    INSERT INTO "complaint_rollup_deltas" ("received_at", "project_id", "department", "restricted", "status", "severity", "category", "kind",
      "complaints", "accepted", "accept_ms_sum", "resolved", "resolve_ms_sum", "visited", "survey_scored", "survey_score_sum", "survey_satisfied", "repeats", "acceptance_n", "acceptance_met", "acceptance_breached", "escalation_report_n", "escalation_report_met", "escalation_report_breached", "resolution_n", "resolution_met", "resolution_breached", "return_visit_n", "return_visit_met", "return_visit_breached", "repair_visit_n", "repair_visit_met", "repair_visit_breached")
    VALUES (NEW."received_at", NEW."project_id", coalesce(NEW."department", ''), NEW."restricted", NEW."status", NEW."severity", NEW."category", NEW."kind",
      (1) - (1), ((NEW.accept_ms IS NOT NULL)::int) - ((OLD.accept_ms IS NOT NULL)::int), (coalesce(NEW.accept_ms, 0)) - (coalesce(OLD.accept_ms, 0)), ((NEW.resolve_ms IS NOT NULL)::int) - ((OLD.resolve_ms IS NOT NULL)::int), (coalesce(NEW.resolve_ms, 0)) - (coalesce(OLD.resolve_ms, 0)), ((NEW.survey_responses > 0)::int) - ((OLD.survey_responses > 0)::int), (NEW.survey_scored) - (OLD.survey_scored), (NEW.survey_score_sum) - (OLD.survey_score_sum), (NEW.survey_satisfied) - (OLD.survey_satisfied), (NEW.repeat::int) - (OLD.repeat::int), (NEW.acceptance_n) - (OLD.acceptance_n), (NEW.acceptance_met) - (OLD.acceptance_met), (NEW.acceptance_breached) - (OLD.acceptance_breached), (NEW.escalation_report_n) - (OLD.escalation_report_n), (NEW.escalation_report_met) - (OLD.escalation_report_met), (NEW.escalation_report_breached) - (OLD.escalation_report_breached), (NEW.resolution_n) - (OLD.resolution_n), (NEW.resolution_met) - (OLD.resolution_met), (NEW.resolution_breached) - (OLD.resolution_breached), (NEW.return_visit_n) - (OLD.return_visit_n), (NEW.return_visit_met) - (OLD.return_visit_met), (NEW.return_visit_breached) - (OLD.return_visit_breached), (NEW.repair_visit_n) - (OLD.repair_visit_n), (NEW.repair_visit_met) - (OLD.repair_visit_met), (NEW.repair_visit_breached) - (OLD.repair_visit_breached));
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO "complaint_rollup_deltas" ("received_at", "project_id", "department", "restricted", "status", "severity", "category", "kind",
      "complaints", "accepted", "accept_ms_sum", "resolved", "resolve_ms_sum", "visited", "survey_scored", "survey_score_sum", "survey_satisfied", "repeats", "acceptance_n", "acceptance_met", "acceptance_breached", "escalation_report_n", "escalation_report_met", "escalation_report_breached", "resolution_n", "resolution_met", "resolution_breached", "return_visit_n", "return_visit_met", "return_visit_breached", "repair_visit_n", "repair_visit_met", "repair_visit_breached")
    VALUES (OLD."received_at", OLD."project_id", coalesce(OLD."department", ''), OLD."restricted", OLD."status", OLD."severity", OLD."category", OLD."kind",
      -(1), -((OLD.accept_ms IS NOT NULL)::int), -(coalesce(OLD.accept_ms, 0)), -((OLD.resolve_ms IS NOT NULL)::int), -(coalesce(OLD.resolve_ms, 0)), -((OLD.survey_responses > 0)::int), -(OLD.survey_scored), -(OLD.survey_score_sum), -(OLD.survey_satisfied), -(OLD.repeat::int), -(OLD.acceptance_n), -(OLD.acceptance_met), -(OLD.acceptance_breached), -(OLD.escalation_report_n), -(OLD.escalation_report_met), -(OLD.escalation_report_breached), -(OLD.resolution_n), -(OLD.resolution_met), -(OLD.resolution_breached), -(OLD.return_visit_n), -(OLD.return_visit_met), -(OLD.return_visit_breached), -(OLD.repair_visit_n), -(OLD.repair_visit_met), -(OLD.repair_visit_breached));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "complaint_rollup_deltas" ("received_at", "project_id", "department", "restricted", "status", "severity", "category", "kind",
      "complaints", "accepted", "accept_ms_sum", "resolved", "resolve_ms_sum", "visited", "survey_scored", "survey_score_sum", "survey_satisfied", "repeats", "acceptance_n", "acceptance_met", "acceptance_breached", "escalation_report_n", "escalation_report_met", "escalation_report_breached", "resolution_n", "resolution_met", "resolution_breached", "return_visit_n", "return_visit_met", "return_visit_breached", "repair_visit_n", "repair_visit_met", "repair_visit_breached")
    VALUES (NEW."received_at", NEW."project_id", coalesce(NEW."department", ''), NEW."restricted", NEW."status", NEW."severity", NEW."category", NEW."kind",
      1, (NEW.accept_ms IS NOT NULL)::int, coalesce(NEW.accept_ms, 0), (NEW.resolve_ms IS NOT NULL)::int, coalesce(NEW.resolve_ms, 0), (NEW.survey_responses > 0)::int, NEW.survey_scored, NEW.survey_score_sum, NEW.survey_satisfied, NEW.repeat::int, NEW.acceptance_n, NEW.acceptance_met, NEW.acceptance_breached, NEW.escalation_report_n, NEW.escalation_report_met, NEW.escalation_report_breached, NEW.resolution_n, NEW.resolution_met, NEW.resolution_breached, NEW.return_visit_n, NEW.return_visit_met, NEW.return_visit_breached, NEW.repair_visit_n, NEW.repair_visit_met, NEW.repair_visit_breached);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "complaint_facts_delta" AFTER INSERT OR UPDATE OR DELETE ON "complaint_facts" FOR EACH ROW EXECUTE FUNCTION "cx_complaint_fact_delta"();--> statement-breakpoint
CREATE INDEX "complaint_facts_received_cover_idx" ON "complaint_facts" USING btree ("received_at") INCLUDE ("project_id", "restricted", "accept_ms", "resolve_ms");
