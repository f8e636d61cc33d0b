CREATE TABLE "lookup_budgets" (
	"subject" text PRIMARY KEY NOT NULL,
	"window_start" timestamp (3) with time zone NOT NULL,
	"used" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "city_companies" DROP CONSTRAINT "city_companies_code_unique";--> statement-breakpoint
ALTER TABLE "regions" DROP CONSTRAINT "regions_code_unique";--> statement-breakpoint
ALTER TABLE "staff" ADD COLUMN "city_company_id" bigint;--> statement-breakpoint
ALTER TABLE "staff" ADD COLUMN "active" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "staff" ADD COLUMN "updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "fingerprint" text;--> statement-breakpoint
ALTER TABLE "staff" ADD CONSTRAINT "staff_city_company_id_city_companies_id_fk" FOREIGN KEY ("city_company_id") REFERENCES "public"."city_companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "city_companies_code_uq" ON "city_companies" USING btree (lower("code"));--> statement-breakpoint
CREATE UNIQUE INDEX "regions_code_uq" ON "regions" USING btree (lower("code"));--> statement-breakpoint
CREATE INDEX "staff_city_company_idx" ON "staff" USING btree ("city_company_id");--> statement-breakpoint
CREATE INDEX "staff_name_id_idx" ON "staff" USING btree ("name","id");--> statement-breakpoint
CREATE UNIQUE INDEX "staff_login_lower_uq" ON "staff" USING btree (lower("id"));