"""SQL of the audit domain."""

INSERT_AUDIT = """
INSERT INTO audit_log (user_id, username, action, object_type, object_id, outcome, reason, client_addr, request_id)
VALUES (:user_id, :username, :action, :object_type, :object_id, :outcome, :reason, :client_addr, :request_id)
"""
