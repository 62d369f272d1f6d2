"""SQL of idempotent writes (table of migration 0002)."""

# claim the key for this request: waits while another transaction holds an uncommitted claim of the same
# (user, key), then inserts (that one rolled back) or inserts nothing (it committed: replay or conflict)
CLAIM = """
INSERT INTO idempotency_key (user_id, key, route, body_hash)
VALUES (:user_id, :key, :route, :body_hash)
ON CONFLICT (user_id, key) DO NOTHING
RETURNING true
"""

STORED = """
SELECT route, body_hash, status, response FROM idempotency_key WHERE user_id = :user_id AND key = :key
"""

COMPLETE = """
UPDATE idempotency_key SET status = :status, response = :response WHERE user_id = :user_id AND key = :key
"""

# keys older than the retention, a bounded batch; rows another transaction is pruning are skipped
PRUNE = """
DELETE FROM idempotency_key WHERE ctid IN (
  SELECT ctid FROM idempotency_key
  WHERE created_at < now() - make_interval(days => CAST(:days AS integer))
  LIMIT :batch FOR UPDATE SKIP LOCKED)
"""
