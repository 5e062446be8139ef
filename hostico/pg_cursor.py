"""psycopg's client cursor with a lazily built description (the engine's cursor_factory for PostgreSQL,
installed by hostico.db.make_engine)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any


class LazyDescription(Sequence[Any]):
    """A cursor.description whose Column objects are made on first use (a psycopg result's own columns).

    SQLAlchemy builds a statement's result metadata from cursor.description once and caches it with the
    compiled statement; later executions only ask whether the description is None. psycopg makes a list
    of Column objects on every read (~0.9 us a column, ~45 us for My Invoices' 50 columns): here they are
    made only when something reads them. Holds what psycopg's Column reads (pgresult, _encoding, adapters),
    taken when the description is read, so a later statement on the cursor does not change it.
    """

    __slots__ = ("pgresult", "_encoding", "adapters", "_columns")

    def __init__(self, pgresult: Any, encoding: str, adapters: Any) -> None:
        self.pgresult = pgresult
        self._encoding = encoding
        self.adapters = adapters
        self._columns: list[Any] | None = None

    def _built(self) -> list[Any]:
        if self._columns is None:
            from psycopg import Column

            self._columns = [Column(self, i) for i in range(self.pgresult.nfields)]  # type: ignore[arg-type]
            self.pgresult = None  # the Columns copied what they need: let the result's rows go
        return self._columns

    def __len__(self) -> int:
        return len(self._columns) if self._columns is not None else self.pgresult.nfields

    def __getitem__(self, index: Any) -> Any:
        return self._built()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._built())

    def __eq__(self, other: object) -> bool:
        return self._built() == (other._built() if isinstance(other, LazyDescription) else other)

    __hash__ = None  # type: ignore[assignment]  # like the list it stands for

    def __repr__(self) -> str:
        return repr(self._built())


@cache
def lazily_described_cursor() -> type:
    """psycopg's client cursor whose description is a LazyDescription (the engine's cursor_factory for
    PostgreSQL). Server-side cursors (stream_results, yield_per) come from psycopg's server_cursor_factory
    and are unchanged."""
    import psycopg
    from psycopg.pq import ExecStatus

    with_rows = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)

    class LazilyDescribedCursor(psycopg.Cursor[Any]):
        __slots__ = ()

        @property
        def description(self) -> LazyDescription | None:  # type: ignore[override]
            res = self.pgresult
            # psycopg's own rule: columns when the result has fields or says it returned rows ("SELECT ;")
            if res and (res.nfields or res.status in with_rows):
                return LazyDescription(res, self._encoding, self.adapters)
            return None

    return LazilyDescribedCursor
