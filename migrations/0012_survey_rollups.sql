CREATE TABLE "survey_driver_rollups" (
	"month" date NOT NULL,
	"project_id" bigint NOT NULL,
	"template_id" bigint NOT NULL,
	"segment" text NOT NULL,
	"stage" text NOT NULL,
	"restricted" boolean NOT NULL,
	"dimension" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	"sx" numeric DEFAULT '0' NOT NULL,
	"sy" numeric DEFAULT '0' NOT NULL,
	"sxx" numeric DEFAULT '0' NOT NULL,
	"syy" numeric DEFAULT '0' NOT NULL,
	"sxy" numeric DEFAULT '0' NOT NULL,
	CONSTRAINT "survey_driver_rollups_pk" PRIMARY KEY("month","project_id","template_id","segment","stage","restricted","dimension")
);
--> statement-breakpoint
CREATE TABLE "survey_response_rollups" (
	"month" date NOT NULL,
	"project_id" bigint NOT NULL,
	"template_id" bigint NOT NULL,
	"segment" text NOT NULL,
	"stage" text NOT NULL,
	"restricted" boolean NOT NULL,
	"responses" integer DEFAULT 0 NOT NULL,
	"scored" integer DEFAULT 0 NOT NULL,
	"score_sum" integer DEFAULT 0 NOT NULL,
	"s1" integer DEFAULT 0 NOT NULL,
	"s2" integer DEFAULT 0 NOT NULL,
	"s3" integer DEFAULT 0 NOT NULL,
	"s4" integer DEFAULT 0 NOT NULL,
	"s5" integer DEFAULT 0 NOT NULL,
	"nps_answers" integer DEFAULT 0 NOT NULL,
	"promoters" integer DEFAULT 0 NOT NULL,
	"detractors" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "survey_response_rollups_pk" PRIMARY KEY("month","project_id","template_id","segment","stage","restricted")
);
--> statement-breakpoint
CREATE TABLE "survey_rollup_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"time_zone" text NOT NULL,
	"built_at" timestamp (3) with time zone NOT NULL
);
