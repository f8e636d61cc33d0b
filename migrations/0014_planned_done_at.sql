ALTER TABLE "planned_touchpoints" ADD COLUMN "done_at" timestamp (3) with time zone;--> statement-breakpoint
UPDATE "planned_touchpoints" p SET "done_at" = t."occurred_at" FROM "touchpoints" t WHERE t."id" = p."touchpoint_id";
