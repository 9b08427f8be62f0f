"""schedule: what runs when in local time (IANA zone), a once-per-slot record of each run, and
signals.p_model (the model's own probability before the market blend, so a refresh can re-blend
with new prices without inference), and the index latest_signals probes per race

Revision ID: 0006_schedule
Revises: 0005_signals_alias
Create Date: 2026-11-23

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
The zone-validity trigger is a reloadable object (sql/schedule.sql): `hrdpg db migrate` drops
every function in modeling before a revision runs and reinstalls them afterwards.
"""

from alembic import op

revision = "0006_schedule"
down_revision = "0005_signals_alias"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE modeling.schedule (
    job         text        PRIMARY KEY CHECK (job ~ '^[a-z][a-z0-9_]{0,30}$'),
    kind        text        NOT NULL
                CHECK (kind IN ('morning_score', 'refresh', 'housekeeping', 'monitoring')),
    local_time  time        CHECK (local_time IS NOT NULL OR kind = 'refresh'),
    tz          text        NOT NULL DEFAULT 'Europe/Madrid'
                CHECK (tz ~ '^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$'),
    enabled     boolean     NOT NULL DEFAULT true,
    params      jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(params) = 'object'),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user
);
COMMENT ON TABLE modeling.schedule IS
    'What modeling.tick runs, in local time of an IANA zone (tz, checked against '
    'pg_timezone_names by a trigger): daily jobs at local_time, refresh by race off times.';
COMMENT ON COLUMN modeling.schedule.params IS
    'Per job: alias, score_function (hook, regproc), far_minutes, far_every, near_every, '
    'after (job that must be done first), max_attempts, retry_minutes, retention days, goal.';

INSERT INTO modeling.schedule (job, kind, local_time, tz, params) VALUES
    ('morning', 'morning_score', '08:00', 'Europe/Madrid',
     '{"alias": "production", "max_attempts": 3, "retry_minutes": 10}'),
    ('refresh', 'refresh', NULL, 'Europe/Madrid',
     '{"alias": "production", "after": "morning", "far_minutes": 30, "far_every": 10,
       "near_every": 1}'),
    ('acceptance', 'monitoring', '08:05', 'Europe/Madrid', '{"goal": 0.8}'),
    ('housekeeping', 'housekeeping', '03:30', 'Europe/Madrid',
     '{"cron_retention_days": 14, "runs_retention_days": 7}');

CREATE TABLE modeling.schedule_runs (
    job           text        NOT NULL REFERENCES modeling.schedule (job) ON DELETE CASCADE,
    local_day     date        NOT NULL,
    slot          timestamptz NOT NULL,
    attempted_at  timestamptz NOT NULL,
    attempts      integer     NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    status        text        NOT NULL CHECK (status IN ('ok', 'failed')),
    error         text,
    result        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    tick_run_id   bigint      REFERENCES modeling.runs (run_id) ON DELETE SET NULL,
    PRIMARY KEY (job, local_day, slot),
    CHECK (status <> 'failed' OR error IS NOT NULL)
);
ALTER TABLE modeling.signals
    ADD COLUMN p_model double precision CHECK (p_model > 0 AND p_model < 1);
-- latest_signals finds each race's newest production as_of with one probe (the old index put
-- model_id before as_of, so the newest of a race meant reading every model's entries).
DROP INDEX modeling.signals_alias_latest_idx;
CREATE INDEX signals_alias_newest_idx
    ON modeling.signals (alias, race_date, race_id, as_of DESC);
COMMENT ON COLUMN modeling.signals.p_model IS
    'The model''s own win probability (race softmax) before the market blend; equals p_win '
    'for a model without a blend. NULL in signals published before it existed.';

COMMENT ON TABLE modeling.schedule_runs IS
    'One row per job and slot: daily jobs use the day''s scheduled instant as the slot, so '
    'the primary key makes them once per local day; refresh uses the tick''s minute.';
"""

DOWNGRADE = """
DROP INDEX modeling.signals_alias_newest_idx;
CREATE INDEX signals_alias_latest_idx
    ON modeling.signals (alias, race_date, race_id, model_id, as_of DESC);
ALTER TABLE modeling.signals DROP COLUMN p_model;
DROP TABLE modeling.schedule_runs;
DROP TABLE modeling.schedule;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
