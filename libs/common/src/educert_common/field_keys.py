"""Re-encrypting a service's encrypted columns under the current field key (key rotation).

Each service that stores encrypted columns lists them in `<service>.encrypted_fields`
(`encrypted_columns(settings) -> list[EncryptedColumn]`); `educert-admin rotate-field-key
<service>` walks them here. The walk is resumable and idempotent: it only ever selects rows
whose ciphertext names another key than the current one, re-seals them in batches (one
transaction each, rows locked with SKIP LOCKED so the running service is never blocked), and
writes a row only if its ciphertext did not change meanwhile. Stopping half-way loses nothing;
running it again finishes the job, and running it when nothing is left does nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, column, func, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.crypto import FieldCipher, UnknownFieldKey
from educert_common.db import Database

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class EncryptedColumn:
    """One column of AES-GCM ciphertexts and how its associated data is found."""

    table: str
    column: str
    cipher: FieldCipher
    # The associated data: a constant (usually "<table>.<column>") or, when every row binds
    # its own (e.g. a signing key's kid), the column holding it.
    context: str = ""
    context_column: str | None = None
    key_column: str = "id"

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass
class ColumnReport:
    name: str
    rotated: int = 0
    # Rows per key id before and after the walk (key id -> count).
    keys_before: dict[int, int] = field(default_factory=dict)
    keys_after: dict[int, int] = field(default_factory=dict)
    current_key_id: int = 0

    @property
    def remaining(self) -> int:
        """Rows still under another key (locked by the service during the walk: run again)."""
        return sum(n for key, n in self.keys_after.items() if key != self.current_key_id)


class RotationFailed(RuntimeError):
    """A row could not be read with the key ring (unknown key id or a broken ciphertext)."""


class EncryptedColumnRepository:
    """The SQL of the walk, on a column named at run time."""

    def __init__(self, session: AsyncSession, spec: EncryptedColumn) -> None:
        self.session = session
        self.spec = spec
        columns = [column(spec.key_column), column(spec.column)]
        if spec.context_column:
            columns.append(column(spec.context_column))
        self.table = table(spec.table, *columns)

    def _value(self) -> ColumnElement[Any]:
        return self.table.c[self.spec.column]

    def _stored(self) -> ColumnElement[bool]:
        value = self._value()
        return value.is_not(None) & (func.length(value) > 0)

    async def count_by_key(self) -> dict[int, int]:
        """How many rows each key id sealed."""
        key_id = func.get_byte(self._value(), 0)
        rows = await self.session.execute(
            select(key_id, func.count()).where(self._stored()).group_by(key_id)
        )
        return {int(key): int(count) for key, count in rows.all()}

    async def stale_batch(self, current_key_id: int, after: Any, limit: int) -> Sequence[Any]:
        """The next rows (by key, after `after`) not sealed with the current key, locked."""
        c = self.table.c
        statement = (
            select(*self.table.c)
            .where(self._stored(), func.get_byte(self._value(), 0) != current_key_id)
            .order_by(c[self.spec.key_column])
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if after is not None:
            statement = statement.where(c[self.spec.key_column] > after)
        return (await self.session.execute(statement)).all()

    async def replace(self, key: Any, old: bytes, new: bytes) -> bool:
        """Write `new` only if the row still holds `old` (the service may have rewritten it)."""
        c = self.table.c
        result = await self.session.execute(
            update(self.table)
            .where(c[self.spec.key_column] == key, self._value() == old)
            .values({self.spec.column: new})
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def count_by_key(
    database: Database, columns: Sequence[EncryptedColumn]
) -> dict[str, dict[int, int]]:
    """Rows per key id of every column (what `rotate-field-key --check` prints)."""
    counts = {}
    async with database.transaction() as session:
        for spec in columns:
            counts[spec.name] = await EncryptedColumnRepository(session, spec).count_by_key()
    return counts


async def rotate_columns(
    database: Database,
    columns: Sequence[EncryptedColumn],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[ColumnReport]:
    """Re-seal every value not under its cipher's current key; one transaction per batch."""
    reports = []
    for spec in columns:
        report = ColumnReport(spec.name, current_key_id=spec.cipher.key_id)
        async with database.transaction() as session:
            report.keys_before = await EncryptedColumnRepository(session, spec).count_by_key()
        after: Any = None
        while True:
            async with database.transaction() as session:
                repository = EncryptedColumnRepository(session, spec)
                rows = await repository.stale_batch(spec.cipher.key_id, after, batch_size)
                for row in rows:
                    mapping = row._mapping
                    key, blob = mapping[spec.key_column], bytes(mapping[spec.column])
                    context = (
                        str(mapping[spec.context_column]) if spec.context_column else spec.context
                    )
                    try:
                        resealed = spec.cipher.rotate(blob, context=context)
                    except UnknownFieldKey as exc:
                        raise RotationFailed(f"{spec.name} row {key}: {exc}") from exc
                    except Exception as exc:  # InvalidTag: wrong secret under that id
                        raise RotationFailed(
                            f"{spec.name} row {key}: the ciphertext does not open with the "
                            f"secret configured for key id {blob[0]} ({type(exc).__name__})"
                        ) from exc
                    if await repository.replace(key, blob, resealed):
                        report.rotated += 1
            if len(rows) < batch_size:
                break
            after = rows[-1]._mapping[spec.key_column]
        async with database.transaction() as session:
            report.keys_after = await EncryptedColumnRepository(session, spec).count_by_key()
        reports.append(report)
    return reports
