"""The bulk import's per-row CPU without the database: reading a CSV, checking each row,
sealing its ID number and shaping it for staging (`reader.checked_batches`), in one process.

Run:  flock /work/bench.lock .venv/bin/python bench/records_row_check.py [--rows 200000]
The CSV (valid student-status rows of `records.imports.samples`) is written before the clock
starts; the figure is process CPU time per row, best of `--repeat` passes over the file.
"""

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

# The development secrets of the test settings: nothing here is stored.
os.environ.setdefault("EDUCERT_ENVIRONMENT", "test")

from educert_common.tabular import Table
from records.academic.rules import RecordKind, RowContext
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.imports.reader import RowChecker, checked_batches
from records.imports.samples import student_status_rows, write_csv

CONTEXT = RowContext("4111010001", frozenset({"10001"}), today=date(2026, 12, 2))


def one_pass(path: Path, batch_rows: int) -> tuple[float, int]:
    """CPU seconds and rows staged for one pass over the file (a fresh checker and memo)."""
    checker = RowChecker(RecordKind.STUDENT_STATUS, CONTEXT, secrets_for(RecordsSettings()))
    staged = 0
    started = time.process_time()
    for batch in checked_batches(Table(path), checker, batch_rows):
        staged += len(batch.staged)
    return time.process_time() - started, staged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-rows", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = write_csv(Path(directory) / "rows.csv", student_status_rows(args.rows, seed=7))
        passes = [one_pass(path, args.batch_rows) for _ in range(args.repeat)]
    for seconds, staged in passes:
        assert staged == args.rows, f"{staged} of {args.rows} rows staged"
        print(f"{seconds:.2f} s CPU, {seconds / args.rows * 1e6:.1f} us/row")
    best = min(seconds for seconds, _ in passes)
    print(f"best of {args.repeat}: {best / args.rows * 1e6:.1f} us/row ({args.rows} rows)")


if __name__ == "__main__":
    main()
