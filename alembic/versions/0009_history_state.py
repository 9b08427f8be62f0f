"""run history carries each horse's form state after the run; covering indexes by horse and
on the running totals, so one race day's features are index probes, not scans of the past

Revision ID: 0009_history_state
Revises: 0008_monitoring
Create Date: 2026-11-23

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0009_history_state"
down_revision = "0008_monitoring"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE modeling.run_history
    ADD COLUMN runs_after    integer,
    ADD COLUMN wins_after    integer,
    ADD COLUMN places_after  integer,
    ADD COLUMN wins5_after   smallint,
    ADD COLUMN pos_prev1     double precision,
    ADD COLUMN pos_prev2     double precision,
    ADD COLUMN beaten_prev1  double precision,
    ADD COLUMN beaten_prev2  double precision;

UPDATE modeling.run_history h
   SET runs_after = s.runs_after, wins_after = s.wins_after, places_after = s.places_after,
       wins5_after = s.wins5_after, pos_prev1 = s.pos_prev1, pos_prev2 = s.pos_prev2,
       beaten_prev1 = s.beaten_prev1, beaten_prev2 = s.beaten_prev2
  FROM (SELECT race_id, horse_id,
               count(*) OVER w AS runs_after,
               sum(won) OVER w AS wins_after,
               sum(placed) OVER w AS places_after,
               sum(won) OVER (w ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS wins5_after,
               lag(pos_norm) OVER w AS pos_prev1, lag(pos_norm, 2) OVER w AS pos_prev2,
               lag(beaten) OVER w AS beaten_prev1, lag(beaten, 2) OVER w AS beaten_prev2
          FROM modeling.run_history
        WINDOW w AS (PARTITION BY horse_id ORDER BY off_time, race_id)) s
 WHERE (h.race_id, h.horse_id) = (s.race_id, s.horse_id);

ALTER TABLE modeling.run_history
    ALTER COLUMN runs_after SET NOT NULL,
    ALTER COLUMN wins_after SET NOT NULL,
    ALTER COLUMN places_after SET NOT NULL,
    ALTER COLUMN wins5_after SET NOT NULL,
    ADD CONSTRAINT run_history_state_check
        CHECK (runs_after >= 1 AND wins_after BETWEEN 0 AND runs_after
               AND places_after BETWEEN 0 AND runs_after AND wins5_after BETWEEN 0 AND 5);
COMMENT ON COLUMN modeling.run_history.runs_after IS
    'Completed runs of the horse up to and including this one.';
COMMENT ON COLUMN modeling.run_history.wins5_after IS
    'Wins in the horse''s last five completed runs, this one included.';
COMMENT ON COLUMN modeling.run_history.pos_prev1 IS
    'pos_norm of the horse''s completed run before this one (pos_prev2: the one before that).';

CREATE INDEX run_history_horse_time_idx ON modeling.run_history (horse_id, off_time, race_id)
    INCLUDE (course, dist_band, going_group, won);
DROP INDEX modeling.run_history_horse_idx;

-- The running totals are read by "last row before a date" probes: carry the totals in the
-- key index so each probe is index-only.
ALTER TABLE modeling.entity_daily
    DROP CONSTRAINT entity_daily_pkey,
    ADD CONSTRAINT entity_daily_pkey PRIMARY KEY (kind, entity_id, race_date)
        INCLUDE (cum_rides, cum_wins, cum_expected);
ALTER TABLE modeling.draw_daily
    DROP CONSTRAINT draw_daily_pkey,
    ADD CONSTRAINT draw_daily_pkey PRIMARY KEY (course, dist_band, draw_third, race_date)
        INCLUDE (cum_wins, cum_expected);
"""

DOWNGRADE = """
ALTER TABLE modeling.draw_daily
    DROP CONSTRAINT draw_daily_pkey,
    ADD CONSTRAINT draw_daily_pkey PRIMARY KEY (course, dist_band, draw_third, race_date);
ALTER TABLE modeling.entity_daily
    DROP CONSTRAINT entity_daily_pkey,
    ADD CONSTRAINT entity_daily_pkey PRIMARY KEY (kind, entity_id, race_date);
CREATE INDEX run_history_horse_idx ON modeling.run_history (horse_id, off_time);
DROP INDEX modeling.run_history_horse_time_idx;
ALTER TABLE modeling.run_history
    DROP CONSTRAINT run_history_state_check,
    DROP COLUMN runs_after, DROP COLUMN wins_after, DROP COLUMN places_after,
    DROP COLUMN wins5_after, DROP COLUMN pos_prev1, DROP COLUMN pos_prev2,
    DROP COLUMN beaten_prev1, DROP COLUMN beaten_prev2;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
