"""SQL of the audit domain."""

INSERT_AUDIT = """
INSERT INTO audit_log (user_id, username, action, object_type, object_id, outcome, reason, reason_code,
                       reason_params, client_addr, request_id)
VALUES (:user_id, :username, :action, :object_type, :object_id, :outcome, :reason, :reason_code,
        CAST(:reason_params AS jsonb), :client_addr, :request_id)
"""

# every filter optional (row-level security lets administrators only read the table)
_AUDIT_FILTER = """
FROM audit_log a
WHERE (CAST(:user AS text) IS NULL OR a.username = CAST(:user AS text) OR a.user_id::text = CAST(:user AS text))
  AND (CAST(:object_type AS text) IS NULL OR a.object_type = CAST(:object_type AS text))
  AND (CAST(:object_id AS text) IS NULL OR a.object_id = CAST(:object_id AS text))
  AND (CAST(:action AS text) IS NULL OR a.action = CAST(:action AS text))
  AND (CAST(:outcome AS text) IS NULL OR a.outcome = CAST(:outcome AS text))
  AND (CAST(:since AS timestamptz) IS NULL OR a.at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR a.at < CAST(:until AS timestamptz))
"""

# newest first, one page
LIST_AUDIT = """
SELECT a.id, a.at, a.user_id, a.username, a.action, a.object_type, a.object_id, a.outcome, a.reason,
       a.reason_code, a.reason_params, a.client_addr, a.request_id
""" + _AUDIT_FILTER + """
ORDER BY a.at DESC, a.id DESC
LIMIT :limit OFFSET :offset
"""

# rows matching the filters (the page's total)
COUNT_AUDIT = "SELECT count(*) " + _AUDIT_FILTER
