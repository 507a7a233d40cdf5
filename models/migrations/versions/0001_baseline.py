"""Baseline: the schema of the last release whose tables `metadata.create_all` made.

Written out table by table so that later model changes cannot change what it creates;
a database that release created is stamped here, not migrated (models.migrations).

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

# The category taxonomy as that release seeded it (code, area, Italian and English label),
# in its order: `position` is the index. Categories added to models.taxonomy later are
# seeded by models.db.init_db, which inserts the missing ones after every upgrade.
CATEGORIES = (
    ("health-checkup", "HEALTH_WELLBEING", "Prevenzione e check-up", "Check-ups and prevention"),
    ("physiotherapy", "HEALTH_WELLBEING", "Fisioterapia e riabilitazione", "Physiotherapy"),
    ("psychological-support", "HEALTH_WELLBEING", "Supporto psicologico", "Psychological support"),
    ("fitness-sport", "HEALTH_WELLBEING", "Sport e fitness", "Sport and fitness"),
    (
        "mind-body",
        "HEALTH_WELLBEING",
        "Yoga, meditazione e benessere",
        "Yoga, meditation, wellbeing",
    ),
    ("nutrition", "HEALTH_WELLBEING", "Nutrizione e alimentazione", "Nutrition"),
    ("early-childhood", "FAMILY_CARE", "Nido e prima infanzia", "Nursery and early childhood"),
    ("after-school", "FAMILY_CARE", "Doposcuola e pre-scuola", "Before and after school"),
    ("summer-camps", "FAMILY_CARE", "Centri estivi e vacanze", "Summer and holiday camps"),
    ("babysitting", "FAMILY_CARE", "Baby-sitting", "Babysitting"),
    ("elderly-care", "FAMILY_CARE", "Assistenza anziani", "Elderly care"),
    ("caregiver-support", "FAMILY_CARE", "Supporto ai caregiver", "Caregiver support"),
    ("courses", "LEISURE_WORK_LIFE", "Corsi e laboratori", "Courses and workshops"),
    ("culture", "LEISURE_WORK_LIFE", "Cultura e spettacolo", "Culture and events"),
    (
        "errands",
        "LEISURE_WORK_LIFE",
        "Commissioni e maggiordomo aziendale",
        "Errands and concierge",
    ),
    ("laundry", "LEISURE_WORK_LIFE", "Lavanderia e stireria", "Laundry and ironing"),
    ("meals", "LEISURE_WORK_LIFE", "Pasti e spesa a domicilio", "Meals and grocery delivery"),
    ("coworking", "WORK_SERVICES", "Coworking", "Co-working"),
    ("smart-working", "WORK_SERVICES", "Spazi per lo smart working", "Smart-working spaces"),
    ("meeting-rooms", "WORK_SERVICES", "Sale riunioni", "Meeting rooms"),
    (
        "business-services",
        "WORK_SERVICES",
        "Servizi per professionisti",
        "Services for professionals",
    ),
    (
        "career",
        "WORK_SERVICES",
        "Formazione e orientamento al lavoro",
        "Training and career guidance",
    ),
    (
        "health-wellbeing",
        "HEALTH_WELLBEING",
        "Salute e benessere psico-fisico (in generale)",
        "Health and wellbeing (general)",
    ),
    (
        "family-care",
        "FAMILY_CARE",
        "Assistenza famigliare (figli e genitori) (in generale)",
        "Family care (children and parents) (general)",
    ),
    (
        "leisure-work-life",
        "LEISURE_WORK_LIFE",
        "Tempo libero e conciliazione vita-lavoro (in generale)",
        "Leisure and work-life balance (general)",
    ),
    (
        "work-services",
        "WORK_SERVICES",
        "Servizi per il lavoro (in generale)",
        "Work services (general)",
    ),
)


def upgrade() -> None:  # noqa: PLR0915 - a statement per table and index, spelled out
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=17), nullable=False),
        sa.Column("label_it", sa.String(length=120), nullable=False),
        sa.Column("label_en", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_category_area", "category", ["area"])

    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("hashes", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("locked_by", sa.String(length=120), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "provider",
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_sort", sa.String(length=255), nullable=False),
        sa.Column("legal_form", sa.String(length=120), nullable=True),
        sa.Column("vat_number", sa.String(length=11), nullable=True),
        sa.Column("alliance_member", sa.Boolean(), nullable=False),
        sa.Column("ateco_code", sa.String(length=10), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("field_sources", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "external_id"),
    )
    op.create_index("ix_provider_alliance_member", "provider", ["alliance_member"])
    op.create_index("ix_provider_name_sort", "provider", ["name_sort"])
    op.create_index("ix_provider_source_id", "provider", ["source_id"])
    op.create_index("ix_provider_vat_number", "provider", ["vat_number"])

    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=9), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("not_modified", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_run_source_id", "sync_run", ["source_id"])
    op.create_index("ix_sync_run_source_latest", "sync_run", ["source_id", "id"])

    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=9), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("explore", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_api_key_provider_id", "api_key", ["provider_id"])

    op.create_table(
        "location",
        sa.Column("seen_run_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("cap", sa.String(length=5), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("province", sa.String(length=2), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("accessibility", sa.String(), nullable=True),
        sa.Column("in_district", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "external_id"),
    )
    op.create_index("ix_location_cap", "location", ["cap"])
    op.create_index("ix_location_in_district", "location", ["in_district"])
    op.create_index("ix_location_provider_id", "location", ["provider_id"])
    op.create_index("ix_location_source_id", "location", ["source_id"])

    op.create_table(
        "offering",
        sa.Column("seen_run_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("title_it", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=True),
        sa.Column("description_it", sa.String(), nullable=True),
        sa.Column("description_en", sa.String(), nullable=True),
        sa.Column("title_sort_it", sa.String(length=300), nullable=False),
        sa.Column("title_sort_en", sa.String(length=300), nullable=False),
        sa.Column("area", sa.String(length=17), nullable=False),
        sa.Column("delivery_mode", sa.String(length=9), nullable=False),
        sa.Column("status", sa.String(length=9), nullable=False),
        sa.Column("is_free", sa.Boolean(), nullable=False),
        sa.Column("min_price_cents", sa.Integer(), nullable=True),
        sa.Column("beneficiary_discount_percent", sa.Float(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("booking_url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("in_district", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.String(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("eligibility_description", sa.String(), nullable=True),
        sa.Column("rule_set_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["rule_set.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_offering_area", "offering", ["area"])
    op.create_index("ix_offering_delivery_mode", "offering", ["delivery_mode"])
    op.create_index("ix_offering_in_district", "offering", ["in_district"])
    op.create_index("ix_offering_is_free", "offering", ["is_free"])
    op.create_index("ix_offering_min_price_cents", "offering", ["min_price_cents"])
    op.create_index("ix_offering_order_changed", "offering", ["last_changed_at", "id"])
    op.create_index("ix_offering_order_title_en", "offering", ["title_sort_en", "id"])
    op.create_index("ix_offering_order_title_it", "offering", ["title_sort_it", "id"])
    op.create_index("ix_offering_provider_id", "offering", ["provider_id"])
    op.create_index("ix_offering_source_id", "offering", ["source_id"])
    op.create_index("ix_offering_status", "offering", ["status"])
    op.create_index("ix_offering_valid_until", "offering", ["valid_until"])
    op.create_index(
        "ix_offering_order_price",
        "offering",
        [sa.text("coalesce(min_price_cents, 2147483647)"), "id"],
    )
    op.create_index(
        "uq_offering_source_external", "offering", ["source_id", "external_id"], unique=True
    )

    op.create_table(
        "provider_link",
        sa.Column("seen_run_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("vat_number", sa.String(length=11), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("same_as", sa.String(length=300), nullable=True),
        sa.Column("said", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "external_id"),
    )
    op.create_index("ix_provider_link_provider_id", "provider_link", ["provider_id"])
    op.create_index("ix_provider_link_same_as", "provider_link", ["same_as"])
    op.create_index("ix_provider_link_source_id", "provider_link", ["source_id"])
    op.create_index("ix_provider_link_vat_number", "provider_link", ["vat_number"])

    op.create_table(
        "sync_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sync_run_id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["sync_run_id"], ["sync_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_problem_sync_run_id", "sync_problem", ["sync_run_id"])

    op.create_table(
        "sync_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sync_run_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=500), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["sync_run_id"], ["sync_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_term_sync_run_id", "sync_term", ["sync_run_id"])

    op.create_table(
        "cost_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cost_option_offering_id", "cost_option", ["offering_id"])

    op.create_table(
        "eligibility_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("area", sa.String(length=17), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("offering_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=120), nullable=True),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("description_it", sa.String(), nullable=True),
        sa.Column("description_en", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_eligibility_rule_area", "eligibility_rule", ["area"])
    op.create_index(
        "ix_eligibility_rule_hash_targets",
        "eligibility_rule",
        ["body_hash", "offering_id", "provider_id", "area"],
    )
    op.create_index("ix_eligibility_rule_offering_id", "eligibility_rule", ["offering_id"])
    op.create_index("ix_eligibility_rule_provider_id", "eligibility_rule", ["provider_id"])
    op.create_index("ix_eligibility_rule_source_id", "eligibility_rule", ["source_id"])

    op.create_table(
        "occurrence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_occurrence_offering_start", "occurrence", ["offering_id", "starts_at"])
    op.create_index("ix_occurrence_start_end", "occurrence", ["starts_at", "ends_at"])

    op.create_table(
        "offering_category",
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("offering_id", "category_id"),
    )
    op.create_index("ix_offering_category_category_id", "offering_category", ["category_id"])

    op.create_table(
        "offering_language",
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("offering_id", "language"),
    )
    op.create_index("ix_offering_language_language", "offering_language", ["language"])

    op.create_table(
        "offering_location",
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("offering_id", "location_id"),
    )
    op.create_index("ix_offering_location_location_id", "offering_location", ["location_id"])

    op.create_table(
        "schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rrule", sa.String(length=500), nullable=True),
        sa.Column("rdates", sa.String(), nullable=False),
        sa.Column("exdates", sa.String(), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("expanded_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_schedule_expanded_until", "schedule", ["expanded_until"])
    op.create_index("ix_schedule_offering_id", "schedule", ["offering_id"])

    op.create_table(
        "slot",
        sa.Column("seen_run_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=9), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_slot_offering_start", "slot", ["offering_id", "starts_at"])
    op.create_index("ix_slot_source_id", "slot", ["source_id"])
    op.create_index("uq_slot_source_external", "slot", ["source_id", "external_id"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        _trigram_index()
    _seed()


def _trigram_index() -> None:
    """A trigram index serves the `text` filter's `LIKE '% word%'` (pg_trgm is a trusted
    extension: the database owner may create it); without it, search still works, slower."""
    try:
        with op.get_bind().begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.execute(
                "CREATE INDEX ix_offering_search_text_trgm "
                "ON offering USING gin (search_text gin_trgm_ops)"
            )
    except DBAPIError as error:
        log.warning("no trigram index for text search (pg_trgm unavailable): %s", error)


def _seed() -> None:
    category = sa.table(
        "category",
        sa.column("code", sa.String),
        sa.column("area", sa.String),
        sa.column("label_it", sa.String),
        sa.column("label_en", sa.String),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(
        category,
        [
            {"code": code, "area": area, "label_it": it, "label_en": en, "position": position}
            for position, (code, area, it, en) in enumerate(CATEGORIES)
        ],
    )
    data_version = sa.table(
        "data_version", sa.column("id", sa.Integer), sa.column("version", sa.BigInteger)
    )
    op.bulk_insert(data_version, [{"id": 1, "version": 0}])


def downgrade() -> None:
    # Dependent tables first; each table's indexes go with it. The pg_trgm extension stays:
    # other objects of the database may use it.
    op.drop_table("slot")
    op.drop_table("schedule")
    op.drop_table("offering_location")
    op.drop_table("offering_language")
    op.drop_table("offering_category")
    op.drop_table("occurrence")
    op.drop_table("eligibility_rule")
    op.drop_table("cost_option")
    op.drop_table("sync_term")
    op.drop_table("sync_problem")
    op.drop_table("provider_link")
    op.drop_table("offering")
    op.drop_table("location")
    op.drop_table("api_key")
    op.drop_table("sync_run")
    op.drop_table("provider")
    op.drop_table("source")
    op.drop_table("rule_set")
    op.drop_table("data_version")
    op.drop_table("category")
