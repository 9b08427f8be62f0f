"""modeling.signals partitioned by race_date: a partition per month plus a default one

Revision ID: 0015_signals_partitioned
Revises: 0014_backtests
Create Date: 2026-12-01

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
The table is rebuilt as a declaratively partitioned one (RANGE on race_date, month partitions
named signals_pYYYYMM, signals_default for anything else) with the same columns in the same
order, defaults, checks, comments, foreign keys and indexes; every row is copied. The natural
key gains race_date (a unique key of a partitioned table must contain the partition key): a
race has one date, and every publication copies it from the race, so it keys the same rows.
No foreign key points into signals (bets refer to a publication by race, model and
signal_as_of, without one). latest_signals depends on the table: `hrdpg db migrate` dropped
it before this runs and reinstalls it after.
"""

from alembic import op

revision = "0015_signals_partitioned"
down_revision = "0014_backtests"
branch_labels = None
depends_on = None

# Indexes and keys as the unpartitioned table had them (0001, 0006), the key with race_date.
_KEYS = r"""
ALTER TABLE modeling.signals
    ADD CONSTRAINT signals_model_id_fkey FOREIGN KEY (model_id)
        REFERENCES modeling.models (model_id),
    ADD CONSTRAINT signals_run_id_fkey FOREIGN KEY (run_id)
        REFERENCES modeling.runs (run_id) ON DELETE SET NULL;
CREATE INDEX signals_latest_idx
    ON modeling.signals (race_date, model_id, race_id, horse_id, as_of DESC);
CREATE INDEX signals_run_idx ON modeling.signals (run_id);
CREATE INDEX signals_alias_newest_idx
    ON modeling.signals (alias, race_date, race_id, as_of DESC);
COMMENT ON TABLE modeling.signals IS
    'Priced runner signals per scoring run: probabilities, fair and best odds, edges, stakes.';
"""

_SET_ASIDE = r"""
ALTER TABLE modeling.signals RENAME TO signals_old;
ALTER TABLE modeling.signals_old RENAME CONSTRAINT signals_natural_key TO signals_old_key;
ALTER TABLE modeling.signals_old RENAME CONSTRAINT signals_model_id_fkey TO signals_old_model;
ALTER TABLE modeling.signals_old RENAME CONSTRAINT signals_run_id_fkey TO signals_old_run;
ALTER INDEX modeling.signals_latest_idx RENAME TO signals_old_latest_idx;
ALTER INDEX modeling.signals_run_idx RENAME TO signals_old_run_idx;
ALTER INDEX modeling.signals_alias_newest_idx RENAME TO signals_old_alias_newest_idx;
"""

PARTITIONED = r"""
CREATE TABLE modeling.signals (
    LIKE modeling.signals_old INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS
) PARTITION BY RANGE (race_date);
"""
# After the copy, so each partition's indexes are built once instead of grown row by row.
PARTITIONED_KEY = r"""
ALTER TABLE modeling.signals
    ADD CONSTRAINT signals_natural_key UNIQUE (as_of, race_id, horse_id, model_id, race_date);
"""
# The parent of a partitioned table is never analysed by autovacuum (its partitions are).
PARTITIONED_STATS = "ANALYZE modeling.signals;"
# latest_signals joins this instead of probing max(as_of) per race in signals: a probe driven
# by each race's date is pruned at run time only, so the planner would plan it over every
# month partition (measured: planning grew with the partitions, bench/RESULTS.md); a join on
# the newest as_of lets the day's filter prune signals to its month when planning. Kept by a
# statement trigger on signals (sql/signals_newest.sql), filled here from the rows.
NEWEST = r"""
CREATE TABLE modeling.signals_newest (
    alias      text        NOT NULL,
    race_date  date        NOT NULL,
    race_id    bigint      NOT NULL,
    as_of      timestamptz NOT NULL,
    PRIMARY KEY (alias, race_date, race_id)
);
COMMENT ON TABLE modeling.signals_newest IS
    'Newest as_of per alias and race in modeling.signals (what latest_signals shows), advanced '
    'by the signals_newest_advance trigger on every insert into signals.';
INSERT INTO modeling.signals_newest (alias, race_date, race_id, as_of)
SELECT alias, race_date, race_id, max(as_of) FROM modeling.signals GROUP BY 1, 2, 3;
ANALYZE modeling.signals_newest;
"""
NEWEST_DROP = "DROP TABLE modeling.signals_newest;"

FILL_PARTITIONED = r"""
CREATE TABLE modeling.signals_default PARTITION OF modeling.signals DEFAULT;
COMMENT ON TABLE modeling.signals_default IS
    'Signals whose race_date has no month partition: should stay empty (doctor and '
    'housekeeping warn); modeling.create_signal_partitions moves its rows out.';

-- A partition for every month that has rows and for this month and the next three.
DO $months$
DECLARE
    m date;
    part text;
BEGIN
    FOR m IN
        SELECT DISTINCT date_trunc('month', d)::date FROM (
            SELECT DISTINCT race_date AS d FROM modeling.signals_old
            UNION ALL
            SELECT generate_series(date_trunc('month', now()),
                                   date_trunc('month', now()) + interval '3 months',
                                   interval '1 month')::date) x
         ORDER BY 1
    LOOP
        part := 'signals_p' || to_char(m, 'YYYYMM');
        EXECUTE format('CREATE TABLE modeling.%I PARTITION OF modeling.signals '
                       'FOR VALUES FROM (%L) TO (%L)', part, m, m + interval '1 month');
        EXECUTE format('COMMENT ON TABLE modeling.%I IS %L', part,
                       format('Signals of races dated %s .. %s (a month partition of '
                              'modeling.signals).', m, (m + interval '1 month')::date - 1));
    END LOOP;
END
$months$;

INSERT INTO modeling.signals SELECT * FROM modeling.signals_old;
DROP TABLE modeling.signals_old;
"""

UNPARTITIONED = r"""
CREATE TABLE modeling.signals (
    LIKE modeling.signals_old INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS,
    CONSTRAINT signals_natural_key UNIQUE (as_of, race_id, horse_id, model_id)
);
INSERT INTO modeling.signals SELECT * FROM modeling.signals_old;
DROP TABLE modeling.signals_old;
"""


def upgrade() -> None:
    for step in (_SET_ASIDE, PARTITIONED, FILL_PARTITIONED, PARTITIONED_KEY, _KEYS,
                 PARTITIONED_STATS, NEWEST):
        op.execute(step)


def downgrade() -> None:
    for step in (NEWEST_DROP, _SET_ASIDE, UNPARTITIONED, _KEYS):
        op.execute(step)
