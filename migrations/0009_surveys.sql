ALTER TABLE "survey_templates" DROP CONSTRAINT "survey_templates_code_unique";--> statement-breakpoint
DROP INDEX "survey_responses_customer_idx";--> statement-breakpoint
ALTER TABLE "survey_answers" ADD COLUMN "text_masked" text;--> statement-breakpoint
ALTER TABLE "survey_questions" ADD COLUMN "code" text NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_questions" ADD COLUMN "required" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_questions" ADD COLUMN "label_en" text NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "planned_touchpoint_id" bigint;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "segment" text NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "stage" text NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "channel" text;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "created_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_templates" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_templates" ADD COLUMN "stage" text NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_templates" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "survey_templates" ADD COLUMN "superseded_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "survey_templates" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD CONSTRAINT "survey_responses_planned_touchpoint_id_planned_touchpoints_id_fk" FOREIGN KEY ("planned_touchpoint_id") REFERENCES "public"."planned_touchpoints"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sla_alerts_response_level_uq" ON "sla_alerts" USING btree ("survey_response_id","level") WHERE "sla_alerts"."survey_response_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "survey_questions_template_code_uq" ON "survey_questions" USING btree ("template_id","code");--> statement-breakpoint
CREATE INDEX "survey_responses_submitted_idx" ON "survey_responses" USING btree ("submitted_at","id");--> statement-breakpoint
CREATE INDEX "survey_responses_complaint_idx" ON "survey_responses" USING btree ("complaint_id") WHERE "survey_responses"."complaint_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "survey_responses_planned_uq" ON "survey_responses" USING btree ("planned_touchpoint_id") WHERE "survey_responses"."planned_touchpoint_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "survey_templates_code_version_uq" ON "survey_templates" USING btree ("code","version");--> statement-breakpoint
CREATE UNIQUE INDEX "survey_templates_current_uq" ON "survey_templates" USING btree ("code") WHERE "survey_templates"."superseded_at" is null;--> statement-breakpoint
CREATE INDEX "survey_responses_customer_idx" ON "survey_responses" USING btree ("customer_id","submitted_at","id");