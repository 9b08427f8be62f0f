-- The engine reads racing data only through these three views. A team whose tables are named
-- or shaped differently replaces this file (`hrdpg db migrate --source-views FILE`) and keeps
-- the column names and types below; `hrdpg db doctor` checks them.

CREATE OR REPLACE VIEW modeling.src_races AS
SELECT race_id, race_date, off_time, course, country, surface, going, distance_m,
       race_class, race_type, handicap, prize, declared_runners
  FROM racing.races;
COMMENT ON VIEW modeling.src_races IS
    'Source contract: one row per race (race_id bigint, race_date date, off_time timestamptz, ...).';

CREATE OR REPLACE VIEW modeling.src_runners AS
SELECT race_id, horse_id, jockey_id, trainer_id, draw, age, sex, weight_kg, official_rating,
       speed_figure, non_runner, withdrawn_at, rule4_deduction,
       finish_pos, dead_heat, beaten_lengths, status, sp_decimal
  FROM racing.runners;
COMMENT ON VIEW modeling.src_runners IS
    'Source contract: declared runners with results once known (finish_pos, status, sp_decimal).';

CREATE OR REPLACE VIEW modeling.src_odds AS
SELECT race_id, horse_id, observed_at, source, source_kind, decimal_odds, ew_places,
       ew_fraction, volume
  FROM racing.odds;
COMMENT ON VIEW modeling.src_odds IS
    'Source contract: timestamped odds snapshots per runner and source (decimal odds > 1).';

-- Optional views (hrdpg/contract.py OPTIONAL_VIEWS): data some sources publish. A source-views
-- file may leave any of them out; `hrdpg db migrate` then installs an empty one of the same
-- shape, and `hrdpg db doctor` says what is absent.
CREATE OR REPLACE VIEW modeling.src_race_details AS
SELECT race_id, race_name, rail, rating_band_low, rating_band_high
  FROM racing.races;
COMMENT ON VIEW modeling.src_race_details IS
    'Optional source contract: per race its name, rail position (e.g. C+3) and rating band.';

CREATE OR REPLACE VIEW modeling.src_runner_details AS
SELECT race_id, horse_id, body_weight_kg, gear, gear_first_time,
       finish_time_s, running_positions, sectional_times
  FROM racing.runners;
COMMENT ON VIEW modeling.src_runner_details IS
    'Optional source contract: declared body weight and gear (pre-race); finish time, positions '
    'at each call and own sectional times (results, NULL until run).';

CREATE OR REPLACE VIEW modeling.src_runner_names AS
SELECT race_id, horse_id, horse_name, jockey_name, trainer_name
  FROM racing.runners;
COMMENT ON VIEW modeling.src_runner_names IS
    'Optional source contract: horse, jockey and trainer names as published for each runner, '
    'for people (CLI tables, report); the engine keys on the ids.';
