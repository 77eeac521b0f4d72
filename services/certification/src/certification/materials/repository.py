"""All SQL about application materials and their versions."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from certification.materials.models import Material, MaterialVersion
from educert_common.repository import Repository


class MaterialRepository(Repository[Material]):
    model = Material

    async def current(self, application_id: uuid.UUID) -> Sequence[Material]:
        """The application's files that count (not deleted), oldest first."""
        return await self.scalars(
            select(Material)
            .where(Material.application_id == application_id, Material.removed_at.is_(None))
            .order_by(Material.created_at, Material.id)
        )

    async def of_application(self, application_id: uuid.UUID) -> Sequence[Material]:
        """Every file ever added, deleted ones too (reviewers and history)."""
        return await self.scalars(
            select(Material)
            .where(Material.application_id == application_id)
            .order_by(Material.created_at, Material.id)
        )

    async def count_in_slot(self, application_id: uuid.UUID, slot: str) -> int:
        return (
            await self.session.scalar(
                select(func.count())
                .select_from(Material)
                .where(
                    Material.application_id == application_id,
                    Material.slot == slot,
                    Material.removed_at.is_(None),
                )
            )
            or 0
        )

    async def filled_slots(self, application_id: uuid.UUID) -> set[str]:
        """The slots holding at least one current file."""
        rows = await self.session.execute(
            select(Material.slot)
            .where(Material.application_id == application_id, Material.removed_at.is_(None))
            .distinct()
        )
        return set(rows.scalars().all())

    async def in_application(
        self, material_id: uuid.UUID, application_id: uuid.UUID
    ) -> Material | None:
        return await self.scalar_one_or_none(
            select(Material).where(
                Material.id == material_id, Material.application_id == application_id
            )
        )


class VersionRepository(Repository[MaterialVersion]):
    model = MaterialVersion

    async def of_materials(self, material_ids: Sequence[uuid.UUID]) -> Sequence[MaterialVersion]:
        if not material_ids:
            return []
        return await self.scalars(
            select(MaterialVersion)
            .where(MaterialVersion.material_id.in_(material_ids))
            .order_by(MaterialVersion.material_id, MaterialVersion.number)
        )

    async def next_number(self, material_id: uuid.UUID) -> int:
        # The application's row lock serialises uploads to one application.
        last = await self.session.scalar(
            select(func.max(MaterialVersion.number)).where(
                MaterialVersion.material_id == material_id
            )
        )
        return int(last or 0) + 1

    async def first_of(self, material_id: uuid.UUID) -> MaterialVersion | None:
        return await self.scalar_one_or_none(
            select(MaterialVersion).where(
                MaterialVersion.material_id == material_id, MaterialVersion.number == 1
            )
        )

    async def in_application(
        self, version_id: uuid.UUID, material_id: uuid.UUID, application_id: uuid.UUID
    ) -> MaterialVersion | None:
        return await self.scalar_one_or_none(
            select(MaterialVersion)
            .join(Material, Material.id == MaterialVersion.material_id)
            .where(
                MaterialVersion.id == version_id,
                MaterialVersion.material_id == material_id,
                Material.application_id == application_id,
            )
        )

    async def answering(self, item_ids: Sequence[uuid.UUID]) -> Sequence[MaterialVersion]:
        """The uploads that answered these supplement items."""
        if not item_ids:
            return []
        return await self.scalars(
            select(MaterialVersion)
            .where(MaterialVersion.supplement_item_id.in_(item_ids))
            .order_by(MaterialVersion.uploaded_at, MaterialVersion.id)
        )
