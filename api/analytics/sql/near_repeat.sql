-- Near-repeat (Knox) answers shared by every worker and app host (near_repeat_result, migration 0018;
-- api/analytics/nearrepeat.py). The app role only reads the table; these definer functions are its writes.
-- A row per question and data version: claimed `running` by the one process that computes it, `done` with
-- the aggregate table when it finished; a few rows per question are kept (the newest answers and the
-- running claims), so a worker can answer the previous version's table, marked stale, while it recomputes.

-- claim the computation of (question, version): true for the caller that inserted the row, or that took over
-- a claim whose process stopped (no heartbeat for p_stale_after_s seconds); false while another computes it
-- or when it is done. Two callers at once: the primary key lets one insert, the other waits for its commit
-- and finds the row (ON CONFLICT DO NOTHING).
CREATE OR REPLACE FUNCTION holomap_near_repeat_claim(p_question text, p_version text, p_label text,
                                                     p_params jsonb, p_events integer, p_total integer,
                                                     p_stale_after_s integer)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  INSERT INTO near_repeat_result (question, data_version, label, params, status, events, total)
  VALUES (p_question, p_version, p_label, p_params, 'running', p_events, p_total)
  ON CONFLICT (question, data_version) DO NOTHING;
  IF FOUND THEN
    RETURN true;
  END IF;
  UPDATE near_repeat_result
  SET claimed_at = now(), heartbeat_at = now(), done = 0
  WHERE question = p_question AND data_version = p_version AND status = 'running'
    AND heartbeat_at < now() - make_interval(secs => p_stale_after_s);
  RETURN FOUND;
END;
$$;

-- the progress of a claimed computation (simulations done), which is also its heartbeat
CREATE OR REPLACE FUNCTION holomap_near_repeat_progress(p_question text, p_version text, p_done integer)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  UPDATE near_repeat_result SET done = p_done, heartbeat_at = now()
  WHERE question = p_question AND data_version = p_version AND status = 'running';
$$;

-- the finished answer; then the question keeps its p_keep newest answers (and any claim still running)
CREATE OR REPLACE FUNCTION holomap_near_repeat_store(p_question text, p_version text, p_result jsonb,
                                                     p_keep integer)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  UPDATE near_repeat_result
  SET status = 'done', result = p_result, computed_at = now(), heartbeat_at = now(), done = total
  WHERE question = p_question AND data_version = p_version;
  DELETE FROM near_repeat_result r
  WHERE r.question = p_question AND r.status = 'done' AND r.data_version IN (
    SELECT o.data_version FROM near_repeat_result o WHERE o.question = p_question AND o.status = 'done'
    ORDER BY o.computed_at DESC, o.data_version OFFSET greatest(p_keep, 1));
END;
$$;

-- a computation that failed (or was refused): its claim goes, the next request may try again
CREATE OR REPLACE FUNCTION holomap_near_repeat_release(p_question text, p_version text)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  DELETE FROM near_repeat_result WHERE question = p_question AND data_version = p_version AND status = 'running';
$$;
