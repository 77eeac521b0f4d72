"""Checking rows in a pool of processes, for hosts with cores to spare.

With `RECORDS_IMPORT_PROCESSES` > 0, the file is still read in one thread (the header first),
but batches of rows are checked and sealed by that many worker processes, and come back in
file order. Python runs one row check per core at a time; this is how an import uses more.
"""

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from educert_common.tabular import RowShape, Table
from records.academic.rules import RecordKind, RowContext
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.imports.columns import record_columns
from records.imports.reader import Batch, RowChecker

_checker: RowChecker | None = None


def _start(kind: str, context: RowContext, settings: RecordsSettings) -> None:
    global _checker
    _checker = RowChecker(RecordKind(kind), context, secrets_for(settings))


def _check(shape: RowShape, rows: list[tuple[int, Any]]) -> Batch:
    assert _checker is not None
    batch = Batch()
    for number, cells in rows:
        _checker.check(shape.row(number, cells), batch)
    return batch


def checked_batches_in_processes(
    table: Table,
    kind: RecordKind,
    context: RowContext,
    settings: RecordsSettings,
    batch_size: int,
    processes: int,
) -> Iterator[Batch]:
    """Like `reader.checked_batches`, with the checks spread over `processes` processes."""
    # spawn: the records process runs threads and an event loop, which fork would copy.
    pool = ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(kind.value, context, settings),
    )
    pending: deque[Future[Batch]] = deque()
    try:
        # The workers get the raw cells (plain lists, cheap to pickle) and make the rows: this
        # process only reads the file and copies what comes back.
        shape, numbered = table.raw_rows(record_columns(kind))
        rows: list[tuple[int, Any]] = []
        for row in numbered:
            rows.append(row)
            if len(rows) >= batch_size:
                pending.append(pool.submit(_check, shape, rows))
                rows = []
                while len(pending) > 2 * processes:
                    yield pending.popleft().result()
        if rows:
            pending.append(pool.submit(_check, shape, rows))
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
