ALTER TABLE "complaints" ADD COLUMN "survey_responses" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "survey_scored" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "survey_score_sum" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "survey_satisfied" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Counters of the responses already linked to complaints.
UPDATE "complaints" c SET "survey_responses" = r.n, "survey_scored" = r.k, "survey_score_sum" = r.s, "survey_satisfied" = r.sat
FROM (SELECT "complaint_id", count(*)::int AS n, count("overall_score")::int AS k, coalesce(sum("overall_score"), 0)::int AS s,
             (count(*) FILTER (WHERE "overall_score" >= 4))::int AS sat
      FROM "survey_responses" WHERE "complaint_id" IS NOT NULL GROUP BY "complaint_id") r
WHERE r."complaint_id" = c."id";
