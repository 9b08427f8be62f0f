-- Reference racing schema: the shape of data hrdpg reads (docs/data-contract.md).
-- A team with its own racing tables does not install this; it points the
-- modeling.src_* views at its own tables instead.  Idempotent.

CREATE SCHEMA IF NOT EXISTS racing;
COMMENT ON SCHEMA racing IS
    'Reference racing data (races, runners, odds) used by the hrdpg demo and tests.';

CREATE TABLE IF NOT EXISTS racing.races (
    race_id          bigint      PRIMARY KEY,
    race_date        date        NOT NULL,
    off_time         timestamptz NOT NULL,
    course           text        NOT NULL,
    country          text        NOT NULL,
    surface          text        NOT NULL DEFAULT 'turf'
                     CHECK (surface IN ('turf', 'aw', 'dirt', 'jumps')),
    going            text,
    distance_m       integer     NOT NULL CHECK (distance_m BETWEEN 400 and 8000),
    race_class       smallint    CHECK (race_class BETWEEN 1 AND 7),
    race_type        text,
    handicap         boolean     NOT NULL DEFAULT false,
    prize            numeric(12, 2) CHECK (prize >= 0),
    declared_runners smallint    CHECK (declared_runners BETWEEN 1 AND 40),
    CONSTRAINT races_off_on_race_date
        CHECK (off_time > race_date::timestamp AT TIME ZONE 'UTC' - interval '1 day'
           AND off_time < race_date::timestamp AT TIME ZONE 'UTC' + interval '2 days')
);
COMMENT ON TABLE racing.races IS
    'One row per race. off_time is the scheduled off; race_date is the local meeting date.';
CREATE INDEX IF NOT EXISTS races_race_date_idx ON racing.races (race_date, off_time);

CREATE TABLE IF NOT EXISTS racing.runners (
    race_id          bigint   NOT NULL REFERENCES racing.races ON DELETE CASCADE,
    horse_id         bigint   NOT NULL,
    jockey_id        bigint,
    trainer_id       bigint,
    draw             smallint CHECK (draw >= 1),
    age              smallint CHECK (age BETWEEN 1 AND 25),
    sex              text     CHECK (sex IN ('c', 'f', 'g', 'h', 'm', 'r')),
    weight_kg        numeric(5, 2) CHECK (weight_kg BETWEEN 30 AND 100),
    official_rating  smallint CHECK (official_rating BETWEEN 0 AND 200),
    speed_figure     real,
    non_runner       boolean  NOT NULL DEFAULT false,
    withdrawn_at     timestamptz,
    rule4_deduction  numeric(4, 2) CHECK (rule4_deduction BETWEEN 0 AND 0.9),
    -- results, NULL until the race is run
    finish_pos       smallint CHECK (finish_pos >= 1),
    dead_heat        boolean  NOT NULL DEFAULT false,
    beaten_lengths   real     CHECK (beaten_lengths >= 0),
    status           text     CHECK (status IN ('finished', 'pulled_up', 'fell', 'unseated',
                                                'refused', 'brought_down', 'disqualified',
                                                'non_runner')),
    sp_decimal       numeric(9, 3) CHECK (sp_decimal > 1),
    PRIMARY KEY (race_id, horse_id),
    CONSTRAINT runners_position_needs_finish
        CHECK (finish_pos IS NULL OR status IN ('finished', 'disqualified'))
);
COMMENT ON TABLE racing.runners IS
    'Declared runners of each race; result columns are filled once the race is run.';
CREATE INDEX IF NOT EXISTS runners_horse_idx ON racing.runners (horse_id, race_id);
CREATE INDEX IF NOT EXISTS runners_jockey_idx ON racing.runners (jockey_id, race_id);
CREATE INDEX IF NOT EXISTS runners_trainer_idx ON racing.runners (trainer_id, race_id);

CREATE TABLE IF NOT EXISTS racing.odds (
    race_id      bigint      NOT NULL,
    horse_id     bigint      NOT NULL,
    observed_at  timestamptz NOT NULL,
    source       text        NOT NULL,
    source_kind  text        NOT NULL CHECK (source_kind IN ('bookmaker', 'exchange', 'tote')),
    decimal_odds double precision NOT NULL CHECK (decimal_odds > 1 AND decimal_odds < 10000),
    ew_places    smallint    CHECK (ew_places BETWEEN 1 AND 6),
    ew_fraction  numeric(4, 3) CHECK (ew_fraction > 0 AND ew_fraction <= 1),
    volume       double precision CHECK (volume >= 0),
    PRIMARY KEY (race_id, horse_id, source, observed_at),
    FOREIGN KEY (race_id, horse_id) REFERENCES racing.runners ON DELETE CASCADE
);
COMMENT ON TABLE racing.odds IS
    'Timestamped price snapshots per runner and source; best and closing odds derive from here.';
-- A race's first and newest valid price (the DQ gate's price facts, per race and per earlier race
-- of its course) in an index-only scan that stops at the first match; the primary key leads with
-- horse_id after race_id, so it reads every quote of the race.
CREATE INDEX IF NOT EXISTS odds_race_observed_idx
    ON racing.odds (race_id, observed_at) INCLUDE (decimal_odds);
COMMENT ON INDEX racing.odds_race_observed_idx IS
    'First and newest valid price of a race by index-only scan (scoring''s price facts).';

-- Upgrades of databases made before a CHECK widened (CREATE TABLE IF NOT EXISTS keeps the old):
-- 'tote' (pari-mutuel pools, e.g. HKJC) joined the odds source kinds.
DO $upgrade$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                    WHERE conrelid = 'racing.odds'::regclass AND conname = 'odds_source_kind_check'
                      AND pg_catalog.pg_get_constraintdef(oid) LIKE '%tote%') THEN
        ALTER TABLE racing.odds DROP CONSTRAINT IF EXISTS odds_source_kind_check;
        ALTER TABLE racing.odds ADD CONSTRAINT odds_source_kind_check
            CHECK (source_kind IN ('bookmaker', 'exchange', 'tote'));
    END IF;
END
$upgrade$;

-- Optional data that some sources publish (docs/data-contract.md, "Optional views"): the
-- columns join existing tables as nullable ones, so databases made before them upgrade in place
-- and every loader file without them still loads.
ALTER TABLE racing.races
    ADD COLUMN IF NOT EXISTS race_name text,
    ADD COLUMN IF NOT EXISTS rail text,
    ADD COLUMN IF NOT EXISTS rating_band_low smallint
        CHECK (rating_band_low BETWEEN 0 AND 200),
    ADD COLUMN IF NOT EXISTS rating_band_high smallint
        CHECK (rating_band_high BETWEEN 0 AND 200);
ALTER TABLE racing.runners
    ADD COLUMN IF NOT EXISTS horse_name text,
    ADD COLUMN IF NOT EXISTS jockey_name text,
    ADD COLUMN IF NOT EXISTS trainer_name text,
    -- declared before the race
    ADD COLUMN IF NOT EXISTS body_weight_kg numeric(5, 1)
        CHECK (body_weight_kg BETWEEN 200 AND 900),
    ADD COLUMN IF NOT EXISTS gear text,
    ADD COLUMN IF NOT EXISTS gear_first_time boolean,
    -- results, NULL until the race is run
    ADD COLUMN IF NOT EXISTS finish_time_s real
        CHECK (finish_time_s > 0 AND finish_time_s < 1200),
    ADD COLUMN IF NOT EXISTS running_positions smallint[]
        CHECK (cardinality(running_positions) <= 12 AND 1 <= ALL (running_positions)
               AND 40 >= ALL (running_positions)),
    ADD COLUMN IF NOT EXISTS sectional_times real[]
        CHECK (cardinality(sectional_times) <= 20 AND 0 < ALL (sectional_times)
               AND 600 > ALL (sectional_times));
