-- The person tags that make a 重点人员 (key person): the administrator's setting
-- (GET/PUT /api/settings/key-person-tags, api/settings/service.py), else its default, which equals
-- DEFAULT_KEY_PERSON_TAGS there (tests/settings/test_key_person_sql.py holds them equal). Every SQL figure
-- of key persons reads it here: the dashboard's officer visits (analytics/sql/aggregates.sql) and the
-- planner's workload pre-aggregates (plans/sql/area_stats.sql). A plain SQL expression, inlined by callers.

CREATE OR REPLACE FUNCTION holomap_key_person_tags()
RETURNS text[]
LANGUAGE sql
STABLE
AS $$
  SELECT coalesce(
    (SELECT array(SELECT jsonb_array_elements_text(s.value)) FROM app_setting s
      WHERE s.key = 'worklist.key_person_tags'),
    ARRAY['key_person', 'elderly_alone', 'left_behind_child'])
$$;
