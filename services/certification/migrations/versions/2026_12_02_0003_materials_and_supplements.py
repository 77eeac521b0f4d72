"""Application materials (a row per file of a slot, a version per upload) and supplement
requests with their items and answers.

Revision ID: certification_0003
Revises: certification_0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from educert_common.db import UtcDateTime

revision: str = "certification_0003"
down_revision: str | None = "certification_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "materials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("removed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_materials_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_materials")),
    )
    op.create_index(
        "ix_materials_current",
        "materials",
        ["application_id", "slot"],
        unique=False,
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "supplement_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("resubmitted_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_supplement_requests_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplement_requests")),
    )
    op.create_index(
        "ix_supplement_requests_application",
        "supplement_requests",
        ["application_id", "requested_at"],
        unique=False,
    )
    op.create_index(
        "ux_supplement_requests_open",
        "supplement_requests",
        ["application_id"],
        unique=True,
        postgresql_where=sa.text("resubmitted_at IS NULL"),
    )
    op.create_table(
        "supplement_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("material_id", sa.Uuid(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("courier_company", sa.String(length=20), nullable=True),
        sa.Column("tracking_number", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_supplement_items_material_id_materials"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["supplement_requests.id"],
            name=op.f("fk_supplement_items_request_id_supplement_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplement_items")),
        sa.UniqueConstraint(
            "request_id", "position", name=op.f("uq_supplement_items_request_id_position")
        ),
    )
    op.create_table(
        "material_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("material_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("supplement_item_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_material_versions_material_id_materials"),
        ),
        sa.ForeignKeyConstraint(
            ["supplement_item_id"],
            ["supplement_items.id"],
            name=op.f("fk_material_versions_supplement_item_id_supplement_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_versions")),
        sa.UniqueConstraint(
            "material_id", "number", name=op.f("uq_material_versions_material_id_number")
        ),
    )
    op.create_index(
        op.f("ix_material_versions_supplement_item_id"),
        "material_versions",
        ["supplement_item_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_material_versions_supplement_item_id"), table_name="material_versions")
    op.drop_table("material_versions")
    op.drop_table("supplement_items")
    op.drop_index(
        "ux_supplement_requests_open",
        table_name="supplement_requests",
        postgresql_where=sa.text("resubmitted_at IS NULL"),
    )
    op.drop_index("ix_supplement_requests_application", table_name="supplement_requests")
    op.drop_table("supplement_requests")
    op.drop_index(
        "ix_materials_current",
        table_name="materials",
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.drop_table("materials")
