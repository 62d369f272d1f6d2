"""audit_log.reason_code and reason_params: what a row's 说明 says, as a stable code with its values — issue 19

Until now the audit log's `reason` held English sentences written by the server ("88 rows from 0; filters
…", "wrong password; locked now"), which the administrator's 审计日志 showed as they were. A row now carries
`reason_code` (e.g. `audit.page`, `login.wrong_password`, `request.denied`) and `reason_params` (its values:
row counts, the filters, the changed fields, the refused request's error code), and the web app writes the
sentence in Chinese from its catalog (`admin.audit_reasons` of frontend/js/i18n/zh-CN.js). `reason` keeps
only text a person typed (the reason for revealing an ID number, a plan's review note).

Rows written before this revision keep their text (the table is append-only); `api/audit/legacy.py` reads
the server-written sentences of those rows back into the same codes when the log is listed.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("reason_code", sa.String(48), nullable=True))
    op.add_column("audit_log", sa.Column("reason_params", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "reason_params")
    op.drop_column("audit_log", "reason_code")
