"""SQL of the audit domain."""

INSERT_AUDIT = """
INSERT INTO audit_log (user_id, username, action, object_type, object_id, outcome, reason, client_addr, request_id)
VALUES (:user_id, :username, :action, :object_type, :object_id, :outcome, :reason, :client_addr, :request_id)
"""

# newest first; every filter optional (row-level security lets administrators only read the table)
LIST_AUDIT = """
SELECT a.id, a.at, a.user_id, a.username, a.action, a.object_type, a.object_id, a.outcome, a.reason,
       a.client_addr, a.request_id
FROM audit_log a
WHERE (CAST(:user AS text) IS NULL OR a.username = CAST(:user AS text) OR a.user_id::text = CAST(:user AS text))
  AND (CAST(:object_type AS text) IS NULL OR a.object_type = CAST(:object_type AS text))
  AND (CAST(:object_id AS text) IS NULL OR a.object_id = CAST(:object_id AS text))
  AND (CAST(:action AS text) IS NULL OR a.action = CAST(:action AS text))
  AND (CAST(:since AS timestamptz) IS NULL OR a.at >= CAST(:since AS timestamptz))
ORDER BY a.at DESC, a.id DESC
LIMIT :limit
"""
