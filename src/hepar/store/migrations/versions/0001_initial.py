"""initial schema: study, sites, users, patients and their records, audit log

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-03 13:37:04.927643
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hepar.store._codec

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "sites",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "study",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("protocol", sa.String(length=200), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "patients",
        sa.Column("study_id", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("study_id"),
    )
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "adverse_events",
        sa.Column("ae_code", sa.String(length=60), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("onset", sa.Date(), nullable=False),
        sa.Column("resolution", sa.Date(), nullable=True),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("seriousness_criteria", sa.Text(), nullable=False),
        sa.Column("relatedness", sa.String(length=40), nullable=False),
        sa.Column("action_taken", sa.String(length=40), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ae_code"),
    )
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adverse_events_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("consented_on", sa.Date(), nullable=False),
        sa.Column("form_version", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "dicom_uid_maps",
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("original_uid", sa.String(length=64), nullable=False),
        sa.Column("pseudonym_uid", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("original_uid"),
        sa.UniqueConstraint("pseudonym_uid"),
    )
    with op.batch_alter_table("dicom_uid_maps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dicom_uid_maps_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "imaging_studies",
        sa.Column("modality", sa.String(length=10), nullable=False),
        sa.Column("study_uid", sa.String(length=64), nullable=False),
        sa.Column("series_uid", sa.String(length=64), nullable=False),
        sa.Column("n_instances", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("acquired_on", sa.Date(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_uid"),
    )
    with op.batch_alter_table("imaging_studies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_imaging_studies_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "labs",
        sa.Column("visit_code", sa.String(length=40), nullable=True),
        sa.Column("analyte", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("lln", sa.Float(), nullable=True),
        sa.Column("uln", sa.Float(), nullable=True),
        sa.Column("sampled_on", sa.Date(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("labs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labs_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "lesions",
        sa.Column("lesion_code", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("organ", sa.String(length=40), nullable=False),
        sa.Column("nodal", sa.Boolean(), nullable=False),
        sa.Column("in_treated_volume", sa.Boolean(), nullable=True),
        sa.Column("slice_thickness_mm", sa.Float(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("patient_id", "lesion_code"),
    )
    with op.batch_alter_table("lesions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesions_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "lutetium_cycles",
        sa.Column("cycle_number", sa.Integer(), nullable=False),
        sa.Column("administered_on", sa.Date(), nullable=False),
        sa.Column("activity_mbq", sa.Float(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lutetium_cycles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lutetium_cycles_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "patient_keys",
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("pseudonym_seed", sa.String(length=64), nullable=False),
        sa.Column("date_shift_hours", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identifier"),
    )
    with op.batch_alter_table("patient_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_keys_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "plans",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("activity_mbq", sa.Float(), nullable=False),
        sa.Column("target_dose_gy", sa.Float(), nullable=True),
        sa.Column("lung_dose_gy", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "processing_runs",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("inputs_sha256", sa.Text(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("software_version", sa.String(length=40), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.Column("started_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("finished_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("processing_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processing_runs_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "qol_questionnaires",
        sa.Column("visit_code", sa.String(length=40), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("qol_questionnaires", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qol_questionnaires_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "recist_reads",
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("new_lesions", sa.String(length=20), nullable=False),
        sa.Column("new_lesions_in_treated_volume", sa.String(length=20), nullable=True),
        sa.Column("sum_mm", sa.Float(), nullable=True),
        sa.Column("target_response", sa.String(length=20), nullable=True),
        sa.Column("non_target_response", sa.String(length=20), nullable=True),
        sa.Column("overall_response", sa.String(length=20), nullable=True),
        sa.Column("response_reason", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recist_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recist_reads_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "screenings",
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("protocol", sa.String(length=200), nullable=False),
        sa.Column("eligible", sa.String(length=40), nullable=False),
        sa.Column("screen_failure_reasons", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screenings_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "visits",
        sa.Column("visit_code", sa.String(length=40), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("earliest_on", sa.Date(), nullable=False),
        sa.Column("latest_on", sa.Date(), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("patient_id", "visit_code"),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "administrations",
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("administered_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("activity_mbq", sa.Float(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_administrations_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "attestations",
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=20), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("attested_by", sa.String(length=200), nullable=False),
        sa.Column("attested_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attestations_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "criterion_results",
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=20), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("criterion_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_criterion_results_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "qol_answers",
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["qol_questionnaires.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("qol_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qol_answers_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "qol_scores",
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("scale", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["qol_questionnaires.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("qol_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qol_scores_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "recist_measurements",
        sa.Column("read_id", sa.Integer(), nullable=False),
        sa.Column("lesion_id", sa.Integer(), nullable=False),
        sa.Column("diameter_mm", sa.Float(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lesion_id"],
            ["lesions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["read_id"],
            ["recist_reads.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recist_measurements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recist_measurements_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "sae_reports",
        sa.Column("adverse_event_id", sa.Integer(), nullable=False),
        sa.Column("awareness_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("deadline_at", hepar.store._codec.UTCDateTime(), nullable=False),
        sa.Column("reported_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", hepar.store._codec.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"],
            ["adverse_events.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sae_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sae_reports_patient_id"), ["patient_id"], unique=False)

    _append_only_audit_log()


def _append_only_audit_log() -> None:
    """The database itself refuses UPDATE and DELETE on audit_log (defence in depth: the hash
    chain still catches an owner who drops the triggers)."""
    message = "audit_log is append-only"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )


def downgrade() -> None:
    with op.batch_alter_table("sae_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sae_reports_patient_id"))

    op.drop_table("sae_reports")
    with op.batch_alter_table("recist_measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recist_measurements_patient_id"))

    op.drop_table("recist_measurements")
    with op.batch_alter_table("qol_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qol_scores_patient_id"))

    op.drop_table("qol_scores")
    with op.batch_alter_table("qol_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qol_answers_patient_id"))

    op.drop_table("qol_answers")
    with op.batch_alter_table("criterion_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criterion_results_patient_id"))

    op.drop_table("criterion_results")
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attestations_patient_id"))

    op.drop_table("attestations")
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_administrations_patient_id"))

    op.drop_table("administrations")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_patient_id"))

    op.drop_table("visits")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_patient_id"))

    op.drop_table("screenings")
    with op.batch_alter_table("recist_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recist_reads_patient_id"))

    op.drop_table("recist_reads")
    with op.batch_alter_table("qol_questionnaires", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qol_questionnaires_patient_id"))

    op.drop_table("qol_questionnaires")
    with op.batch_alter_table("processing_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processing_runs_patient_id"))

    op.drop_table("processing_runs")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_patient_id"))

    op.drop_table("plans")
    with op.batch_alter_table("patient_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_keys_patient_id"))

    op.drop_table("patient_keys")
    with op.batch_alter_table("lutetium_cycles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lutetium_cycles_patient_id"))

    op.drop_table("lutetium_cycles")
    with op.batch_alter_table("lesions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesions_patient_id"))

    op.drop_table("lesions")
    with op.batch_alter_table("labs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labs_patient_id"))

    op.drop_table("labs")
    with op.batch_alter_table("imaging_studies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imaging_studies_patient_id"))

    op.drop_table("imaging_studies")
    with op.batch_alter_table("dicom_uid_maps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dicom_uid_maps_patient_id"))

    op.drop_table("dicom_uid_maps")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_patient_id"))

    op.drop_table("consents")
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adverse_events_patient_id"))

    op.drop_table("adverse_events")
    op.drop_table("users")
    op.drop_table("patients")
    op.drop_table("study")
    op.drop_table("sites")
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
