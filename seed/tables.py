"""Generated rows, column by column, and their rendering as PostgreSQL COPY text."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

NULL = "\\N"
CHUNK_ROWS = 50_000


@dataclass
class Lazy:
    """A column rendered on demand, chunk by chunk (e.g. geometries encoded from coordinate arrays)."""

    render: Callable[[int, int], list[str]]
    length: int

    def __len__(self) -> int:
        return self.length


Column = np.ndarray | list | Lazy


@dataclass(eq=False)
class Table:
    """Rows of one database table as named columns of equal length."""

    name: str
    columns: dict[str, Column] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def check(self) -> None:
        """Every column has the same length."""
        lengths = {name: len(values) for name, values in self.columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{self.name}: columns of different lengths {lengths}")

    def chunks(self, rows: int = CHUNK_ROWS) -> Iterator[tuple[int, str]]:
        """(row count, COPY text) per chunk of rows."""
        total = len(self)
        for start in range(0, total, rows):
            stop = min(start + rows, total)
            fields = [render(values, start, stop) for values in self.columns.values()]
            yield stop - start, "\n".join(map("\t".join, zip(*fields, strict=True))) + "\n"


def render(values: Column, start: int, stop: int) -> list[str]:
    """COPY text of rows start..stop of a column (NULL as \\N)."""
    if isinstance(values, Lazy):
        return values.render(start, stop)
    chunk = values[start:stop]
    if isinstance(chunk, np.ndarray):
        kind = chunk.dtype.kind
        if kind == "b":
            return np.where(chunk, "t", "f").tolist()
        if kind in "iu":
            return list(map(str, chunk.tolist()))
        if kind == "f":
            return [NULL if v != v else repr(v) for v in chunk.tolist()]
        if kind == "M":
            unit = np.datetime_data(chunk.dtype)[0]
            text = np.datetime_as_string(
                chunk, unit="D" if unit == "D" else "s", timezone="naive" if unit == "D" else "UTC"
            )
            return [NULL if t == "NaT" else t for t in text.tolist()]
        chunk = chunk.tolist()
    return [NULL if v is None else v if isinstance(v, str) else str(v) for v in chunk]


def text_array(items: list[str]) -> str:
    """A PostgreSQL text[] literal of plain words."""
    return "{" + ",".join(items) + "}"
