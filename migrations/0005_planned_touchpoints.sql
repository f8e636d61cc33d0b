ALTER TABLE "planned_touchpoints" ADD COLUMN "ownership_id" bigint;--> statement-breakpoint
ALTER TABLE "planned_touchpoints" ADD COLUMN "trigger_at" timestamp (3) with time zone NOT NULL;--> statement-breakpoint
ALTER TABLE "planned_touchpoints" ADD COLUMN "opens_at" timestamp (3) with time zone NOT NULL;--> statement-breakpoint
ALTER TABLE "planned_touchpoints" ADD COLUMN "channel" text NOT NULL;--> statement-breakpoint
ALTER TABLE "planned_touchpoints" ADD COLUMN "stage" text NOT NULL;--> statement-breakpoint
ALTER TABLE "planned_touchpoints" ADD COLUMN "skip_reason" text;--> statement-breakpoint
ALTER TABLE "planned_touchpoints" ADD COLUMN "closed_by" text;--> statement-breakpoint
ALTER TABLE "planned_touchpoints" ADD COLUMN "updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "standard_action_rules" ADD COLUMN "repeat_every" text;--> statement-breakpoint
ALTER TABLE "planned_touchpoints" ADD CONSTRAINT "planned_touchpoints_ownership_id_unit_ownerships_id_fk" FOREIGN KEY ("ownership_id") REFERENCES "public"."unit_ownerships"("id") ON DELETE no action ON UPDATE no action;