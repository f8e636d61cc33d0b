CREATE TABLE "complaint_facts" (
	"complaint_id" bigint PRIMARY KEY NOT NULL,
	"project_id" bigint NOT NULL,
	"customer_id" bigint NOT NULL,
	"department" text,
	"received_at" timestamp (3) with time zone NOT NULL,
	"status" text NOT NULL,
	"severity" text NOT NULL,
	"category" text NOT NULL,
	"kind" text NOT NULL,
	"accept_ms" bigint,
	"resolve_ms" bigint,
	"repeat" boolean NOT NULL,
	"survey_responses" integer NOT NULL,
	"survey_scored" integer NOT NULL,
	"survey_score_sum" integer NOT NULL,
	"survey_satisfied" integer NOT NULL,
	"acceptance_n" smallint DEFAULT 0 NOT NULL,
	"acceptance_met" smallint DEFAULT 0 NOT NULL,
	"acceptance_breached" smallint DEFAULT 0 NOT NULL,
	"escalation_report_n" smallint DEFAULT 0 NOT NULL,
	"escalation_report_met" smallint DEFAULT 0 NOT NULL,
	"escalation_report_breached" smallint DEFAULT 0 NOT NULL,
	"resolution_n" smallint DEFAULT 0 NOT NULL,
	"resolution_met" smallint DEFAULT 0 NOT NULL,
	"resolution_breached" smallint DEFAULT 0 NOT NULL,
	"return_visit_n" smallint DEFAULT 0 NOT NULL,
	"return_visit_met" smallint DEFAULT 0 NOT NULL,
	"return_visit_breached" smallint DEFAULT 0 NOT NULL,
	"repair_visit_n" smallint DEFAULT 0 NOT NULL,
	"repair_visit_met" smallint DEFAULT 0 NOT NULL,
	"repair_visit_breached" smallint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "complaint_facts" ADD CONSTRAINT "complaint_facts_complaint_id_complaints_id_fk" FOREIGN KEY ("complaint_id") REFERENCES "public"."complaints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "complaint_facts_received_idx" ON "complaint_facts" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "complaint_facts_project_received_idx" ON "complaint_facts" USING btree ("project_id","received_at");--> statement-breakpoint
CREATE INDEX "sla_clocks_open_due_idx" ON "sla_clocks" USING btree ("due_at") WHERE "sla_clocks"."stopped_at" is null and "sla_clocks"."breached_at" is null;--> statement-breakpoint
-- complaint_facts follows every write to complaints and sla_clocks (whatever writes: the API, the
-- SLA scheduler, bulk SQL), in the writing transaction.
CREATE OR REPLACE FUNCTION "cx_complaint_fact"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "complaint_facts" ("complaint_id", "project_id", "customer_id", "department", "received_at", "status", "severity", "category", "kind",
    "accept_ms", "resolve_ms", "repeat", "survey_responses", "survey_scored", "survey_score_sum", "survey_satisfied")
  VALUES (NEW."id", NEW."project_id", NEW."customer_id", NEW."department", NEW."received_at", NEW."status", NEW."severity", NEW."category", NEW."kind",
    round(extract(epoch from (NEW."accepted_at" - NEW."received_at")) * 1000)::bigint, round(extract(epoch from (NEW."resolved_at" - NEW."received_at")) * 1000)::bigint, NEW."repeat_of_id" IS NOT NULL,
    NEW."survey_responses", NEW."survey_scored", NEW."survey_score_sum", NEW."survey_satisfied")
  ON CONFLICT ("complaint_id") DO UPDATE SET
    "project_id" = excluded."project_id", "customer_id" = excluded."customer_id", "department" = excluded."department", "received_at" = excluded."received_at",
    "status" = excluded."status", "severity" = excluded."severity", "category" = excluded."category", "kind" = excluded."kind",
    "accept_ms" = excluded."accept_ms", "resolve_ms" = excluded."resolve_ms", "repeat" = excluded."repeat",
    "survey_responses" = excluded."survey_responses", "survey_scored" = excluded."survey_scored", "survey_score_sum" = excluded."survey_score_sum",
    "survey_satisfied" = excluded."survey_satisfied";
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "complaints_fact" AFTER INSERT OR UPDATE OF "project_id", "customer_id", "department", "received_at", "status", "severity", "category", "kind",
  "accepted_at", "resolved_at", "repeat_of_id", "survey_responses", "survey_scored", "survey_score_sum", "survey_satisfied"
  ON "complaints" FOR EACH ROW EXECUTE FUNCTION "cx_complaint_fact"();
--> statement-breakpoint
-- Adds a change of one clock cycle to the counters of its clock: cycles, met, breached.
CREATE OR REPLACE FUNCTION "cx_clock_fact_add"(complaint bigint, clock text, n int, met int, breached int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF n = 0 AND met = 0 AND breached = 0 THEN RETURN; END IF;
  EXECUTE format('UPDATE "complaint_facts" SET %1$I = %1$I + $1, %2$I = %2$I + $2, %3$I = %3$I + $3 WHERE "complaint_id" = $4',
    lower(clock) || '_n', lower(clock) || '_met', lower(clock) || '_breached')
    USING n, met, breached, complaint;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "cx_clock_fact"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."complaint_id" = NEW."complaint_id" AND OLD."clock" = NEW."clock" THEN
    PERFORM "cx_clock_fact_add"(NEW."complaint_id", NEW."clock", 0,
      (NEW."stopped_at" IS NOT NULL AND NEW."breached_at" IS NULL)::int - (OLD."stopped_at" IS NOT NULL AND OLD."breached_at" IS NULL)::int,
      (NEW."breached_at" IS NOT NULL)::int - (OLD."breached_at" IS NOT NULL)::int);
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM "cx_clock_fact_add"(OLD."complaint_id", OLD."clock", -1,
      -(OLD."stopped_at" IS NOT NULL AND OLD."breached_at" IS NULL)::int, -(OLD."breached_at" IS NOT NULL)::int);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM "cx_clock_fact_add"(NEW."complaint_id", NEW."clock", 1,
      (NEW."stopped_at" IS NOT NULL AND NEW."breached_at" IS NULL)::int, (NEW."breached_at" IS NOT NULL)::int);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "sla_clocks_fact" AFTER INSERT OR DELETE OR UPDATE OF "complaint_id", "clock", "stopped_at", "breached_at"
  ON "sla_clocks" FOR EACH ROW EXECUTE FUNCTION "cx_clock_fact"();
--> statement-breakpoint
INSERT INTO "complaint_facts" ("complaint_id", "project_id", "customer_id", "department", "received_at", "status", "severity", "category", "kind",
    "accept_ms", "resolve_ms", "repeat", "survey_responses", "survey_scored", "survey_score_sum", "survey_satisfied",
    "acceptance_n", "acceptance_met", "acceptance_breached", "escalation_report_n", "escalation_report_met", "escalation_report_breached", "resolution_n", "resolution_met", "resolution_breached", "return_visit_n", "return_visit_met", "return_visit_breached", "repair_visit_n", "repair_visit_met", "repair_visit_breached")
SELECT c."id", c."project_id", c."customer_id", c."department", c."received_at", c."status", c."severity", c."category", c."kind",
  round(extract(epoch from (c."accepted_at" - c."received_at")) * 1000)::bigint, round(extract(epoch from (c."resolved_at" - c."received_at")) * 1000)::bigint, c."repeat_of_id" IS NOT NULL,
  c."survey_responses", c."survey_scored", c."survey_score_sum", c."survey_satisfied",
  coalesce(k."acceptance_n", 0), coalesce(k."acceptance_met", 0), coalesce(k."acceptance_breached", 0), coalesce(k."escalation_report_n", 0), coalesce(k."escalation_report_met", 0), coalesce(k."escalation_report_breached", 0), coalesce(k."resolution_n", 0), coalesce(k."resolution_met", 0), coalesce(k."resolution_breached", 0), coalesce(k."return_visit_n", 0), coalesce(k."return_visit_met", 0), coalesce(k."return_visit_breached", 0), coalesce(k."repair_visit_n", 0), coalesce(k."repair_visit_met", 0), coalesce(k."repair_visit_breached", 0)
FROM "complaints" c
LEFT JOIN (
  SELECT "complaint_id",
    (count(*) FILTER (WHERE "clock" = 'ACCEPTANCE' AND TRUE))::smallint AS "acceptance_n",
    (count(*) FILTER (WHERE "clock" = 'ACCEPTANCE' AND "stopped_at" IS NOT NULL AND "breached_at" IS NULL))::smallint AS "acceptance_met",
    (count(*) FILTER (WHERE "clock" = 'ACCEPTANCE' AND "breached_at" IS NOT NULL))::smallint AS "acceptance_breached",
    (count(*) FILTER (WHERE "clock" = 'ESCALATION_REPORT' AND TRUE))::smallint AS "escalation_report_n",
    (count(*) FILTER (WHERE "clock" = 'ESCALATION_REPORT' AND "stopped_at" IS NOT NULL AND "breached_at" IS NULL))::smallint AS "escalation_report_met",
    (count(*) FILTER (WHERE "clock" = 'ESCALATION_REPORT' AND "breached_at" IS NOT NULL))::smallint AS "escalation_report_breached",
    (count(*) FILTER (WHERE "clock" = 'RESOLUTION' AND TRUE))::smallint AS "resolution_n",
    (count(*) FILTER (WHERE "clock" = 'RESOLUTION' AND "stopped_at" IS NOT NULL AND "breached_at" IS NULL))::smallint AS "resolution_met",
    (count(*) FILTER (WHERE "clock" = 'RESOLUTION' AND "breached_at" IS NOT NULL))::smallint AS "resolution_breached",
    (count(*) FILTER (WHERE "clock" = 'RETURN_VISIT' AND TRUE))::smallint AS "return_visit_n",
    (count(*) FILTER (WHERE "clock" = 'RETURN_VISIT' AND "stopped_at" IS NOT NULL AND "breached_at" IS NULL))::smallint AS "return_visit_met",
    (count(*) FILTER (WHERE "clock" = 'RETURN_VISIT' AND "breached_at" IS NOT NULL))::smallint AS "return_visit_breached",
    (count(*) FILTER (WHERE "clock" = 'REPAIR_VISIT' AND TRUE))::smallint AS "repair_visit_n",
    (count(*) FILTER (WHERE "clock" = 'REPAIR_VISIT' AND "stopped_at" IS NOT NULL AND "breached_at" IS NULL))::smallint AS "repair_visit_met",
    (count(*) FILTER (WHERE "clock" = 'REPAIR_VISIT' AND "breached_at" IS NOT NULL))::smallint AS "repair_visit_breached"
  FROM "sla_clocks" GROUP BY "complaint_id"
) k ON k."complaint_id" = c."id";
