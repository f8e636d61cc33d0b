-- The sequencer's step in one round trip instead of six (BEGIN, lock, stamp, bump, notify,
-- COMMIT): the same statements, in a VOLATILE function, so that each still takes a fresh
-- snapshot after the lock is held (an event stamped by another sequencer that committed
-- before we took the lock is seen as stamped, never numbered twice). Returns the events it
-- stamped, in order, so that the instance that stamped them needs no read to pass them on;
-- no row when there was nothing to stamp or another instance holds the lock (it notifies
-- when it commits).
CREATE OR REPLACE FUNCTION "cx_sequence_events"("batch" integer)
RETURNS TABLE("o_seq" bigint, "o_type" text, "o_aggregate_type" text, "o_aggregate_id" bigint, "o_project_id" bigint, "o_payload" text, "o_at_ms" double precision)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  prev bigint;
  n integer;
BEGIN
  SELECT s."last" INTO prev FROM "event_sequence" s WHERE s."id" = 1 FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  RETURN QUERY
    WITH t AS (
      SELECT d."id", row_number() OVER (ORDER BY d."id") AS rn
      FROM "domain_events" d WHERE d."seq" IS NULL ORDER BY d."id" LIMIT "batch"
    ), stamped AS (
      UPDATE "domain_events" e SET "seq" = prev + t.rn FROM t WHERE e."id" = t."id"
      RETURNING e."seq", e."type", e."aggregate_type", e."aggregate_id", e."project_id", e."payload", e."at"
    )
    SELECT x."seq", x."type", x."aggregate_type", x."aggregate_id", x."project_id", x."payload"::text,
      (extract(epoch FROM x."at") * 1000)::double precision
    FROM stamped x ORDER BY x."seq";
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    UPDATE "event_sequence" s SET "last" = prev + n WHERE s."id" = 1;
    -- Every instance's reader: the log has grown (a hint; readers read the log).
    PERFORM pg_notify('cx_events', (prev + n)::text);
  END IF;
END
$$;
