"""The report a clerk acts on: counts, and each problem with its row, column, value and reason."""
from collections import Counter
from dataclasses import dataclass, field

from api.imports.people_rows import MAX_REPORTED_ERRORS, RowError


@dataclass
class ImportReport:
    """Outcome of one import; `written` is False when nothing was changed (invalid, or a dry run)."""

    kind: str
    filename: str
    mode: str  # "all_or_nothing" | "valid_only"
    dry_run: bool = False
    rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    written: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # file header → template field
    message: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds by step (read/validate, each SQL step)

    def timed(self, step: str, seconds: float) -> None:
        """Add seconds to timings[step]."""
        self.timings[step] = self.timings.get(step, 0.0) + seconds

    def count(self, table: str, outcome: str, n: int) -> None:
        """Add n to counts[table][outcome] (inserted / updated / unchanged)."""
        bucket = self.counts.setdefault(table, {"inserted": 0, "updated": 0, "unchanged": 0})
        bucket[outcome] = bucket.get(outcome, 0) + n

    def summary(self) -> dict:
        """The figures the outcome sentence is made of (the audit row's reason_params of import.result)."""
        return {"kind": self.kind, "mode": self.mode, "dry_run": self.dry_run, "written": self.written,
                "rows": self.rows, "valid_rows": self.valid_rows, "invalid_rows": self.invalid_rows,
                "counts": self.counts}

    def to_dict(self) -> dict:
        """JSON form: the first MAX_REPORTED_ERRORS problems in row order plus a tally by problem name."""
        errors = sorted(self.errors, key=lambda e: (e.row, e.column))
        # by the stable name (RowError.problem; the web app names it by admin.problem_names), not by the text
        by_reason = Counter(e.problem for e in errors)
        return {
            "kind": self.kind, "filename": self.filename, "mode": self.mode, "dry_run": self.dry_run,
            "written": self.written, "message": self.message, "rows": self.rows,
            "valid_rows": self.valid_rows, "invalid_rows": self.invalid_rows, "counts": self.counts,
            "columns": self.columns, "ignored_columns": self.ignored_columns,
            "error_count": len(errors), "errors_by_reason": dict(by_reason.most_common()),
            "errors": [e.to_dict() for e in errors[:MAX_REPORTED_ERRORS]],
            "errors_truncated": len(errors) > MAX_REPORTED_ERRORS, "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }
