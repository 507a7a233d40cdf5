"""The registry written through the graph, its audit trail, and sync runs with leases.

- `version` on providers, locations, offerings and rules (optimistic concurrency): 1 for
  every existing row;
- `said` and `overrides` on locations and offerings: none for existing rows, which learn
  what their source says at its next sync (models.catalogue) and are editable from then;
- `offering.listed_status`: the status its writer gives, the existing status;
- `provider.active`: every existing provider is active;
- the `change` table (models.audit);
- `sync_run.lease_until`: the lease of a running sync (connectors.runs); runs already
  finished need none.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

VERSIONED = ("provider", "location", "offering", "eligibility_rule")
OVERRIDABLE = ("location", "offering")


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN on both engines: SQLite's batch mode would copy the
    # tables, losing the expression index it cannot reflect and tripping its foreign keys.
    op.create_table(
        "change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("sync_run_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_change_actor", "change", ["actor", "id"])
    op.create_index("ix_change_at", "change", ["at", "id"])
    op.create_index("ix_change_key_id", "change", ["key_id"])
    op.create_index("ix_change_object", "change", ["object_type", "object_id", "id"])
    op.create_index("ix_change_source_id", "change", ["source_id"])
    for table in VERSIONED:
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    for table in OVERRIDABLE:
        op.add_column(table, sa.Column("said", sa.JSON(), nullable=True))
        op.add_column(table, sa.Column("overrides", sa.JSON(), nullable=True))
    op.add_column(
        "offering",
        sa.Column("listed_status", sa.String(length=9), server_default="ACTIVE", nullable=False),
    )
    op.execute("UPDATE offering SET listed_status = status")
    op.add_column(
        "provider", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.create_index("ix_provider_active", "provider", ["active"])
    op.add_column("sync_run", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # The release before knows no DEAD run: it was a failed one there.
    op.execute("UPDATE sync_run SET status = 'FAILED' WHERE status = 'DEAD'")
    op.drop_column("sync_run", "lease_until")
    op.drop_index("ix_provider_active", table_name="provider")
    op.drop_column("provider", "active")
    op.drop_column("offering", "listed_status")
    for table in OVERRIDABLE:
        op.drop_column(table, "overrides")
        op.drop_column(table, "said")
    for table in VERSIONED:
        op.drop_column(table, "version")
    for index in ("source_id", "object", "key_id", "at", "actor"):
        op.drop_index(f"ix_change_{index}", table_name="change")
    op.drop_table("change")
