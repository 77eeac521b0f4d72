"""Application materials: uploads to the kind's slots (checked by content through
`educert_common.files`, stored content-addressed, every upload kept as a version), their
listing and download, deletion while a draft, and which required slots are still empty.

After submission a file is taken only as the answer to an open supplement request item
(certification.supplements); the version records the item it answered.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from certification.applications.models import Application
from certification.applications.states import State
from certification.exceptions import TransitionNotAllowed, field_error
from certification.kinds import ApplicationKindSpec, MaterialSlot, kind_spec
from certification.materials.exceptions import (
    MaterialNotFound,
    NoOpenSupplementItem,
    unknown_slot,
)
from certification.materials.models import Material, MaterialVersion
from certification.materials.repository import MaterialRepository, VersionRepository
from certification.materials.schemas import (
    Label,
    MaterialOut,
    MaterialsOut,
    MaterialVersionOut,
    SlotOut,
)
from certification.supplements import service as supplements
from educert_common.audit import AuditLog
from educert_common.files import ByteStream, accept_upload, check_count
from educert_common.storage import FileStorage


def slot_of(spec: ApplicationKindSpec, name: str) -> MaterialSlot:
    """The kind's slot called `name`, or 422 on `slot` naming it and the kind's slots."""
    slot = spec.slot(name)
    if slot is None:
        raise unknown_slot(name, [s.name for s in spec.slots])
    return slot


async def missing_slots(
    session: AsyncSession, application: Any, spec: ApplicationKindSpec
) -> list[str]:
    """The slots required for the application's steps as they stand that hold no file."""
    filled = await MaterialRepository(session).filled_slots(application.id)
    return [
        slot.name
        for slot in spec.slots
        if slot.is_required(application.steps) and slot.name not in filled
    ]


async def upload(
    session: AsyncSession,
    audit: AuditLog,
    storage: FileStorage,
    application: Application,
    *,
    slot_name: str,
    file: UploadFile | ByteStream,
    material_id: uuid.UUID | None,
    item_id: uuid.UUID | None,
    actor: str,
    now: datetime,
) -> Material:
    """Add a file to a slot of the locked application, or (`material_id`) upload a new
    version of one of its files. A draft takes any; a returned application only files that
    answer an open supplement item (`item_id`, or the one item asking for this slot)."""
    spec = kind_spec(application.kind)
    slot = slot_of(spec, slot_name)
    state = State(application.state)
    item = None
    if state is State.DRAFT:
        if item_id is not None:
            raise field_error(
                "item_id",
                "not_allowed",
                "A draft has no supplement request to answer",
                "草稿没有需要答复的补交要求",
            )
    elif state is State.RETURNED:
        item = await supplements.answering_item(
            session, application, slot=slot.name, material_id=material_id, item_id=item_id
        )
    else:
        raise TransitionNotAllowed("upload", application.state)

    materials = MaterialRepository(session)
    versions = VersionRepository(session)
    material: Material | None = None
    if item is not None and item.mode == "reupload_file":
        material_id = material_id or item.material_id
        if material_id != item.material_id:
            raise NoOpenSupplementItem(slot.name)
    if material_id is not None:
        material = await materials.in_application(material_id, application.id)
        if material is None or material.removed_at is not None:
            raise MaterialNotFound()
        if material.slot != slot.name:
            raise field_error(
                "material_id",
                "wrong_slot",
                f"That file is in slot '{material.slot}', not '{slot.name}'",
                f"该文件属于材料项“{material.slot}”，而非“{slot.name}”",
            )
        if item is not None and item.mode == "add_file":
            # Replacing a file is fine only for the one this item's answer added.
            first = await versions.first_of(material.id)
            if first is None or first.supplement_item_id != item.id:
                raise NoOpenSupplementItem(slot.name)
    else:
        check_count(slot, await materials.count_in_slot(application.id, slot.name) + 1)

    # Read (capped), inspect by content, check against the slot, strip image metadata.
    accepted = await accept_upload(slot, file)
    stored = await storage.put(accepted.content, slot.upload_policy())
    result = accepted.stored(stored.key)

    if material is None:
        material = await materials.add(
            Material(application_id=application.id, slot=slot.name, created_at=now)
        )
    version = await versions.add(
        MaterialVersion(
            material_id=material.id,
            number=await versions.next_number(material.id),
            storage_key=result.key,
            sha256=result.sha256,
            kind=result.kind,
            size=result.size,
            pages=result.pages,
            width=result.width,
            height=result.height,
            filename=result.filename,
            uploaded_at=now,
            uploaded_by=actor,
            supplement_item_id=item.id if item is not None else None,
        )
    )
    if item is not None and item.answered_at is None:
        item.answered_at = now
    application.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="material.uploaded",
        subject_type="application",
        subject_id=str(application.id),
        after={
            "slot": slot.name,
            "material_id": str(material.id),
            "version": version.number,
            "sha256": version.sha256,
            "kind": version.kind,
            **({"supplement_item_id": str(item.id)} if item is not None else {}),
        },
    )
    return material


async def delete(
    session: AsyncSession,
    audit: AuditLog,
    application: Application,
    slot: str,
    material_id: uuid.UUID,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Delete a file of a locked draft: it no longer counts; its versions stay on record."""
    if State(application.state) is not State.DRAFT:
        raise TransitionNotAllowed("delete a material", application.state)
    material = await MaterialRepository(session).in_application(material_id, application.id)
    if material is None or material.slot != slot or material.removed_at is not None:
        raise MaterialNotFound()
    material.removed_at = now
    application.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="material.deleted",
        subject_type="application",
        subject_id=str(application.id),
        after={"slot": material.slot, "material_id": str(material.id)},
    )


async def overview(
    session: AsyncSession, application: Application, *, include_removed: bool = False
) -> MaterialsOut:
    """The kind's slots with their files and every version of each; what is still missing."""
    spec = kind_spec(application.kind)
    repository = MaterialRepository(session)
    rows: Sequence[Material] = await (
        repository.of_application(application.id)
        if include_removed
        else repository.current(application.id)
    )
    by_material: dict[uuid.UUID, list[MaterialVersionOut]] = defaultdict(list)
    for version in await VersionRepository(session).of_materials([m.id for m in rows]):
        by_material[version.material_id].append(MaterialVersionOut.of(version, application.user_id))
    by_slot: dict[str, list[MaterialOut]] = defaultdict(list)
    for material in rows:
        history = by_material[material.id]
        if not history:
            continue
        by_slot[material.slot].append(
            MaterialOut(
                id=material.id,
                slot=material.slot,
                created_at=material.created_at,
                removed_at=material.removed_at,
                current=history[-1],
                versions=history,
            )
        )
    slots = [
        SlotOut(
            name=slot.name,
            label=Label(en=slot.label_en, zh=slot.label_zh),
            kinds=sorted(slot.kinds),
            max_bytes=slot.max_bytes,
            max_pages=slot.max_pages,
            max_files=slot.max_files,
            required=slot.is_required(application.steps),
            materials=by_slot.get(slot.name, []),
        )
        for slot in spec.slots
    ]
    return MaterialsOut(
        application_id=application.id,
        slots=slots,
        missing=[
            s.name
            for s in slots
            if s.required and not any(m.removed_at is None for m in s.materials)
        ],
    )


async def version_content(
    session: AsyncSession,
    storage: FileStorage,
    application: Application,
    material_id: uuid.UUID,
    version_id: uuid.UUID,
) -> tuple[MaterialVersion, bytes]:
    """One version of one of the application's files, and its bytes (404 for anything not
    the application's)."""
    version = await VersionRepository(session).in_application(
        version_id, material_id, application.id
    )
    if version is None:
        raise MaterialNotFound()
    return version, await storage.read(version.storage_key)
