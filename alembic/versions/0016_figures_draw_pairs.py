"""speed figures, draw bias by rail, jockey-trainer pairs: each run's surface, rail, stall,
weight carried and time in the run history; the derived per-day tables they feed (pars, meeting
variants, figures, draw-by-rail and pair totals); the store columns of their history features

Revision ID: 0016_figures_draw_pairs
Revises: 0015_signals_partitioned
Create Date: 2026-12-01

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
Runs already in modeling.run_history get NULL values and the new tables start empty (the source
views are reloaded after the revisions run): `hrdpg features rebuild` fills them.
"""

from alembic import op

revision = "0016_figures_draw_pairs"
down_revision = "0015_signals_partitioned"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE modeling.run_history
    ADD COLUMN surface text,
    ADD COLUMN rail text,
    ADD COLUMN draw smallint CHECK (draw > 0),
    ADD COLUMN weight_kg double precision CHECK (weight_kg > 0),
    ADD COLUMN time_s double precision CHECK (time_s > 0);
COMMENT ON COLUMN modeling.run_history.surface IS 'Surface of the race (src_races.surface).';
COMMENT ON COLUMN modeling.run_history.rail IS
    'Rail position of the race (src_race_details.rail); NULL where the source has none.';
COMMENT ON COLUMN modeling.run_history.draw IS 'Barrier stall the horse started from.';
COMMENT ON COLUMN modeling.run_history.weight_kg IS 'Weight carried (kg), as declared.';
COMMENT ON COLUMN modeling.run_history.time_s IS
    'The run''s time: its own finish time, else the winner''s plus 0.17 s a length beaten; '
    'NULL for a horse that did not finish or a race without times.';

CREATE TABLE modeling.draw_rail_daily (
    course          text        NOT NULL,
    surface         text        NOT NULL,
    distance_m      integer     NOT NULL,
    rail            text        NOT NULL,
    draw            smallint    NOT NULL CHECK (draw > 0),
    race_date       date        NOT NULL,
    runs            integer     NOT NULL CHECK (runs > 0),
    wins            integer     NOT NULL CHECK (wins >= 0),
    expected        double precision NOT NULL CHECK (expected >= 0),
    pos_runs        integer     NOT NULL CHECK (pos_runs >= 0),
    pos_sum         double precision NOT NULL CHECK (pos_sum >= 0),
    cum_runs        bigint      NOT NULL,
    cum_wins        bigint      NOT NULL,
    cum_expected    double precision NOT NULL,
    cum_pos_runs    bigint      NOT NULL,
    cum_pos_sum     double precision NOT NULL,
    PRIMARY KEY (course, surface, distance_m, rail, draw, race_date)
        INCLUDE (cum_wins, cum_expected, cum_pos_runs, cum_pos_sum)
);
COMMENT ON TABLE modeling.draw_rail_daily IS
    'Per course, surface, distance, rail ('''' = none published) and stall, per day: runs, wins, '
    'expected wins (sum of 1 / field), runs with a position and their normalised positions, '
    'with running totals.';

CREATE TABLE modeling.pair_daily (
    jockey_id       bigint      NOT NULL,
    trainer_id      bigint      NOT NULL,
    race_date       date        NOT NULL,
    rides           integer     NOT NULL CHECK (rides > 0),
    wins            integer     NOT NULL CHECK (wins >= 0),
    expected        double precision NOT NULL CHECK (expected >= 0),
    cum_rides       bigint      NOT NULL,
    cum_wins        bigint      NOT NULL,
    cum_expected    double precision NOT NULL,
    PRIMARY KEY (jockey_id, trainer_id, race_date) INCLUDE (cum_rides, cum_wins, cum_expected)
);
COMMENT ON TABLE modeling.pair_daily IS
    'Rides, wins and expected wins of a jockey-trainer pair per day, with running totals.';

CREATE TABLE modeling.par_daily (
    course          text        NOT NULL,
    surface         text        NOT NULL,
    distance_m      integer     NOT NULL,
    rail            text        NOT NULL,
    race_date       date        NOT NULL,
    races           integer     NOT NULL CHECK (races > 0),
    time_cs         bigint      NOT NULL,
    cum_races       bigint      NOT NULL,
    cum_time_cs     bigint      NOT NULL,
    PRIMARY KEY (course, surface, distance_m, rail, race_date) INCLUDE (cum_races, cum_time_cs)
);
COMMENT ON TABLE modeling.par_daily IS
    'Winning times (centiseconds, so the running sums are exact) per course, surface, distance '
    'and rail (''*'' = every rail) per day, with running totals: the par of a later day.';

CREATE TABLE modeling.meeting_variant (
    course          text        NOT NULL,
    surface         text        NOT NULL,
    race_date       date        NOT NULL,
    races           integer     NOT NULL CHECK (races > 0),
    variant         double precision NOT NULL,
    PRIMARY KEY (course, surface, race_date)
);
COMMENT ON TABLE modeling.meeting_variant IS
    'Track variant of a meeting: the median over its races with a par of (winning time - par) '
    '/ km, seconds per km (+ = slow). Final once the meeting''s last result is folded in.';

CREATE TABLE modeling.speed_figures (
    race_id         bigint      NOT NULL,
    horse_id        bigint      NOT NULL,
    race_date       date        NOT NULL,
    off_time        timestamptz NOT NULL,
    figure          double precision NOT NULL,
    PRIMARY KEY (race_id, horse_id)
);
CREATE INDEX speed_figures_horse ON modeling.speed_figures (horse_id, race_date, off_time, race_id)
    INCLUDE (figure);
COMMENT ON TABLE modeling.speed_figures IS
    'Speed figure of each timed run whose race has a par and whose meeting a variant: '
    '10 x ((par - time) / km + variant) + 0.4 x (lb carried - 126), in 0.1 s/km (+ = faster).';

ALTER TABLE modeling.feature_store
    ADD COLUMN draw_rail_ae double precision CHECK (draw_rail_ae >= 0),
    ADD COLUMN draw_rail_pos double precision CHECK (draw_rail_pos BETWEEN 0 AND 1),
    ADD COLUMN jt_pair_ae double precision CHECK (jt_pair_ae >= 0),
    ADD COLUMN jt_pair_rides double precision CHECK (jt_pair_rides >= 0),
    ADD COLUMN h_fig_last double precision,
    ADD COLUMN h_fig_best3 double precision;
"""

DOWNGRADE = """
ALTER TABLE modeling.feature_store
    DROP COLUMN draw_rail_ae, DROP COLUMN draw_rail_pos, DROP COLUMN jt_pair_ae,
    DROP COLUMN jt_pair_rides, DROP COLUMN h_fig_last, DROP COLUMN h_fig_best3;
DROP TABLE modeling.speed_figures;
DROP TABLE modeling.meeting_variant;
DROP TABLE modeling.par_daily;
DROP TABLE modeling.pair_daily;
DROP TABLE modeling.draw_rail_daily;
ALTER TABLE modeling.run_history
    DROP COLUMN surface, DROP COLUMN rail, DROP COLUMN draw, DROP COLUMN weight_kg,
    DROP COLUMN time_s;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
