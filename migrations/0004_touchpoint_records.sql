ALTER TABLE "touchpoints" ADD COLUMN "notes_masked" text;--> statement-breakpoint
ALTER TABLE "touchpoints" ADD COLUMN "evidence" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "touchpoints" ADD COLUMN "created_by" text;