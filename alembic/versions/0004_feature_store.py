"""run history with sequential ratings, daily entity and draw totals, feature store

Revision ID: 0004_feature_store
Revises: 0003_load_rejects
Create Date: 2026-11-23

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0004_feature_store"
down_revision = "0003_load_rejects"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE modeling.run_history (
    race_id        bigint      NOT NULL,
    horse_id       bigint      NOT NULL,
    jockey_id      bigint,
    trainer_id     bigint,
    race_date      date        NOT NULL,
    off_time       timestamptz NOT NULL,
    course         text        NOT NULL,
    dist_band      smallint    NOT NULL,
    going_group    text        NOT NULL,
    race_class     smallint,
    distance_m     integer     NOT NULL,
    draw_third     smallint    CHECK (draw_third BETWEEN 1 AND 3),
    field_size     smallint    NOT NULL CHECK (field_size >= 1),
    won            smallint    NOT NULL CHECK (won IN (0, 1)),
    placed         smallint    NOT NULL CHECK (placed IN (0, 1)),
    pos_norm       double precision CHECK (pos_norm BETWEEN 0 AND 1),
    beaten         double precision CHECK (beaten >= 0),
    rating_before  double precision NOT NULL,
    rating_after   double precision NOT NULL,
    PRIMARY KEY (race_id, horse_id)
);
CREATE INDEX run_history_horse_idx ON modeling.run_history (horse_id, off_time);
CREATE INDEX run_history_date_idx ON modeling.run_history (race_date);
COMMENT ON TABLE modeling.run_history IS
    'One row per completed run with its outcome facts and sequential Elo before/after; '
    'maintained incrementally by modeling.refresh_history() after results arrive.';

CREATE TABLE modeling.entity_daily (
    kind          "char"      NOT NULL CHECK (kind IN ('j', 't')),
    entity_id     bigint      NOT NULL,
    race_date     date        NOT NULL,
    rides         integer     NOT NULL CHECK (rides > 0),
    wins          integer     NOT NULL CHECK (wins >= 0),
    expected      double precision NOT NULL CHECK (expected >= 0),
    cum_rides     bigint      NOT NULL,
    cum_wins      bigint      NOT NULL,
    cum_expected  double precision NOT NULL,
    PRIMARY KEY (kind, entity_id, race_date)
);
COMMENT ON TABLE modeling.entity_daily IS
    'Jockey (j) and trainer (t) rides and wins per day with running totals, so any '
    'trailing window is two index probes.';

CREATE TABLE modeling.draw_daily (
    course        text        NOT NULL,
    dist_band     smallint    NOT NULL,
    draw_third    smallint    NOT NULL CHECK (draw_third BETWEEN 1 AND 3),
    race_date     date        NOT NULL,
    runs          integer     NOT NULL CHECK (runs > 0),
    wins          integer     NOT NULL CHECK (wins >= 0),
    expected      double precision NOT NULL CHECK (expected >= 0),
    cum_runs      bigint      NOT NULL,
    cum_wins      bigint      NOT NULL,
    cum_expected  double precision NOT NULL,
    PRIMARY KEY (course, dist_band, draw_third, race_date)
);
COMMENT ON TABLE modeling.draw_daily IS
    'Wins vs expectation by course, distance band and draw third per day, with running totals.';

CREATE TABLE modeling.feature_store (
    race_id             bigint      NOT NULL,
    horse_id            bigint      NOT NULL,
    race_date           date        NOT NULL,
    off_time            timestamptz NOT NULL,
    h_runs              integer     NOT NULL CHECK (h_runs >= 0),
    h_days_since_run    double precision CHECK (h_days_since_run >= 0),
    h_win_rate          double precision CHECK (h_win_rate BETWEEN 0 AND 1),
    h_place_rate        double precision CHECK (h_place_rate BETWEEN 0 AND 1),
    h_recent_win_rate   double precision CHECK (h_recent_win_rate BETWEEN 0 AND 1),
    h_pos_last1         double precision CHECK (h_pos_last1 BETWEEN 0 AND 1),
    h_pos_last2         double precision CHECK (h_pos_last2 BETWEEN 0 AND 1),
    h_pos_last3         double precision CHECK (h_pos_last3 BETWEEN 0 AND 1),
    h_pos_avg3          double precision CHECK (h_pos_avg3 BETWEEN 0 AND 1),
    h_beaten_avg3       double precision CHECK (h_beaten_avg3 >= 0),
    h_course_runs       integer     NOT NULL CHECK (h_course_runs >= 0),
    h_course_win_rate   double precision CHECK (h_course_win_rate BETWEEN 0 AND 1),
    h_dist_win_rate     double precision CHECK (h_dist_win_rate BETWEEN 0 AND 1),
    h_going_win_rate    double precision CHECK (h_going_win_rate BETWEEN 0 AND 1),
    h_class_change      double precision,
    h_dist_change_m     double precision,
    h_elo               double precision,
    j_win_rate_14       double precision CHECK (j_win_rate_14 BETWEEN 0 AND 1),
    j_win_rate_90       double precision CHECK (j_win_rate_90 BETWEEN 0 AND 1),
    j_win_rate_365      double precision CHECK (j_win_rate_365 BETWEEN 0 AND 1),
    t_win_rate_14       double precision CHECK (t_win_rate_14 BETWEEN 0 AND 1),
    t_win_rate_90       double precision CHECK (t_win_rate_90 BETWEEN 0 AND 1),
    t_win_rate_365      double precision CHECK (t_win_rate_365 BETWEEN 0 AND 1),
    t_form_ae_14        double precision CHECK (t_form_ae_14 >= 0),
    draw_bias_ae        double precision CHECK (draw_bias_ae >= 0),
    computed_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (race_id, horse_id)
);
CREATE INDEX feature_store_date_idx ON modeling.feature_store (race_date);
COMMENT ON TABLE modeling.feature_store IS
    'History-derived runner features as of each race''s off (refresh_features); read through '
    'modeling.runner_features, never directly.';
"""

DOWNGRADE = """
DROP TABLE modeling.feature_store;
DROP TABLE modeling.draw_daily;
DROP TABLE modeling.entity_daily;
DROP TABLE modeling.run_history;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
