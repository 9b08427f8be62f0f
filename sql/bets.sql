-- Bets: proposals through the risk manager, halt/resume, settlement, P&L and closing-line
-- value. Sizing and the risk rules live in plpython/hrdpg_pl/bets_risk.py; docs/bets.md.

CREATE OR REPLACE FUNCTION modeling.check_risk(profile text, race_date date)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    lim modeling.risk_limits;
    bank numeric;
    today numeric;
BEGIN
    SELECT * INTO lim FROM modeling.risk_limits l WHERE l.profile = check_risk.profile
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bets: unknown risk profile %; the profiles are: %',
                        quote_literal(check_risk.profile),
                        coalesce((SELECT string_agg(l.profile, ', ' ORDER BY l.profile)
                                    FROM modeling.risk_limits l), 'none')
            USING ERRCODE = '22023',
                  HINT = 'Pass one of them (--profile) or add a row to modeling.risk_limits.';
    END IF;
    SELECT lim.bankroll + coalesce(sum(b.pnl), 0),
           coalesce(sum(b.pnl) FILTER (WHERE b.race_date = check_risk.race_date), 0)
      INTO bank, today
      FROM modeling.bets b
     WHERE b.profile = lim.profile AND b.status IN ('settled', 'void');
    IF today <= -lim.daily_loss_limit THEN
        PERFORM modeling.schedule_alert(
            'warning', 'bets', format('daily_loss_limit:%s:%s', lim.profile, race_date),
            format('daily loss limit hit for profile %s on %s: realised %s, limit %s; '
                   'no more bets that day', lim.profile, race_date, today,
                   lim.daily_loss_limit),
            jsonb_build_object('profile', lim.profile, 'race_date', race_date,
                               'realised', today, 'limit', lim.daily_loss_limit));
    END IF;
    IF NOT lim.halted AND bank < lim.bankroll_floor THEN
        UPDATE modeling.risk_limits l
           SET halted = true, halted_at = now(), updated_at = now(), updated_by = current_user,
               halted_reason = format('bankroll %s below floor %s', bank, lim.bankroll_floor)
         WHERE l.profile = lim.profile;
        PERFORM modeling.schedule_alert(
            'critical', 'bets', format('halt:%s', lim.profile),
            format('betting halted for profile %s: bankroll %s below floor %s; review, then '
                   'SELECT modeling.resume_betting(%L)', lim.profile, bank,
                   lim.bankroll_floor, lim.profile),
            jsonb_build_object('profile', lim.profile, 'bankroll', bank,
                               'floor', lim.bankroll_floor));
        RETURN true;
    END IF;
    RETURN lim.halted;
END
$fn$;
COMMENT ON FUNCTION modeling.check_risk(text, date) IS
    'Risk state of a profile for a day: halts it (and raises a critical alert) when bankroll + '
    'settled P&L is below bankroll_floor; raises a warning when the day''s realised P&L is at '
    'or below -daily_loss_limit. Returns halted. Called by propose_bets and settle.';
REVOKE ALL ON FUNCTION modeling.check_risk(text, date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.propose_bets(
    race_date date, profile text DEFAULT 'default', as_of timestamptz DEFAULT now(),
    dry_run boolean DEFAULT true)
RETURNS TABLE (bet_id bigint, race_id bigint, horse_id bigint, bet_type text, stake numeric,
               odds double precision, edge double precision, status text, reject_reason text)
LANGUAGE plpython3u
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
from hrdpg_pl.bets import propose
if race_date is None or profile is None or dry_run is None:
    plpy.error("propose_bets: race_date, profile and dry_run must not be NULL",
               hint="as_of may be NULL (replay: the newest signals, whatever their off time)",
               sqlstate="22004")
# One caller per profile at a time, until commit: limits are checked against a ledger no
# other call can change meanwhile.
plpy.execute(plpy.prepare("SELECT pg_catalog.pg_advisory_xact_lock("
                          "pg_catalog.hashtext('hrdpg.bets'), pg_catalog.hashtext($1))",
                          ["text"]), [profile])
plpy.execute(plpy.prepare("SELECT modeling.check_risk($1, $2)", ["text", "date"]),
             [profile, race_date])
return propose(plpy, profile, race_date, as_of, bool(dry_run))
$$;
COMMENT ON FUNCTION modeling.propose_bets(date, text, timestamptz, boolean) IS
    'Record bets for race_date from the newest production signals as of as_of (NULL: the '
    'newest, for replays) of races not off yet: edge >= min_edge (win or each way, the better '
    'edge), fractional-Kelly stake, then the risk manager; rejections keep their rule in '
    'reject_reason. Idempotent per runner; serialised per profile. Returns the rows added.';
REVOKE ALL ON FUNCTION modeling.propose_bets(date, text, timestamptz, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.resume_betting(profile text)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    lim modeling.risk_limits;
    bank numeric;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.bets'),
                                             pg_catalog.hashtext(resume_betting.profile));
    SELECT * INTO lim FROM modeling.risk_limits l WHERE l.profile = resume_betting.profile
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'resume_betting: unknown risk profile %; the profiles are: %',
                        quote_literal(profile),
                        coalesce((SELECT string_agg(l.profile, ', ' ORDER BY l.profile)
                                    FROM modeling.risk_limits l), 'none')
            USING ERRCODE = '22023', HINT = 'Pass one of them.';
    END IF;
    SELECT lim.bankroll + coalesce(sum(b.pnl), 0) INTO bank FROM modeling.bets b
     WHERE b.profile = lim.profile AND b.status IN ('settled', 'void');
    IF bank < lim.bankroll_floor THEN
        RAISE EXCEPTION 'resume_betting: bankroll % of profile % is still below its floor %',
                        bank, lim.profile, lim.bankroll_floor
            USING ERRCODE = '55000',
                  HINT = 'Top up risk_limits.bankroll or lower bankroll_floor first.';
    END IF;
    UPDATE modeling.risk_limits l
       SET halted = false, halted_at = NULL, halted_reason = NULL, updated_at = now(),
           updated_by = current_user
     WHERE l.profile = lim.profile;
    RETURN lim.halted;
END
$fn$;
COMMENT ON FUNCTION modeling.resume_betting(text) IS
    'Lift a halt of a risk profile (refused while bankroll + settled P&L is below the floor). '
    'Returns whether it was halted.';
REVOKE ALL ON FUNCTION modeling.resume_betting(text) FROM PUBLIC;

-- Sum of 1/price over a race's book of one source at an instant: each runner's latest price
-- at or before `at` (and before the off); runners withdrawn by then are out.
CREATE OR REPLACE FUNCTION modeling.book_sum(race_id bigint, source text, at timestamptz)
RETURNS double precision
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT sum(1.0 / p.decimal_odds)
      FROM modeling.src_runners r
      JOIN modeling.src_races ra ON ra.race_id = r.race_id
      CROSS JOIN LATERAL (
          SELECT o.decimal_odds FROM modeling.src_odds o
           WHERE o.race_id = r.race_id AND o.horse_id = r.horse_id
             AND o.source = book_sum.source AND o.observed_at <= book_sum.at
             AND o.observed_at < ra.off_time
           ORDER BY o.observed_at DESC LIMIT 1) p
     WHERE r.race_id = book_sum.race_id
       AND NOT ((r.non_runner OR r.status IS NOT DISTINCT FROM 'non_runner')
                AND (r.withdrawn_at IS NULL OR r.withdrawn_at <= book_sum.at));
END;
COMMENT ON FUNCTION modeling.book_sum(bigint, text, timestamptz) IS
    'Overround of one source''s book of a race at an instant: sum of 1/latest price before '
    '`at` and the off over the runners not withdrawn by then. Used for probability CLV.';
REVOKE ALL ON FUNCTION modeling.book_sum(bigint, text, timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.settle(race_date date)
RETURNS TABLE (settled integer, voided integer, still_open integer, pnl numeric)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    prof text;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'settle: race_date must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- Concurrent settles of one day would only redo the same work; let them queue.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.settle'),
                                             $1 - date '2000-01-01');
    -- Realised P&L feeds the loss limit and the bankroll: no propose_bets of these profiles
    -- may read them half-way (same lock as propose_bets, taken in a fixed order).
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.bets'),
                                             pg_catalog.hashtext(x.profile))
       FROM (SELECT DISTINCT b.profile FROM modeling.bets b WHERE b.race_date = $1
              ORDER BY b.profile) x;
    WITH day AS (
        SELECT b.* FROM modeling.bets b WHERE b.race_date = $1 AND b.status <> 'rejected'
    ), runners AS (
        SELECT r.race_id, r.horse_id, r.finish_pos, r.withdrawn_at, r.rule4_deduction,
               r.sp_decimal, (r.non_runner OR r.status IS NOT DISTINCT FROM 'non_runner') AS nr
          FROM modeling.src_runners r WHERE r.race_id IN (SELECT d.race_id FROM day d)
    ), resulted AS (
        SELECT r.race_id FROM runners r GROUP BY r.race_id HAVING bool_or(r.finish_pos = 1)
    ), heat AS (  -- runners sharing each finishing position (dead heats)
        SELECT r.race_id, r.finish_pos, count(*) AS n FROM runners r
         WHERE r.finish_pos IS NOT NULL GROUP BY r.race_id, r.finish_pos
    ), rule4 AS (  -- late withdrawals after the bet was struck (its signal's as_of)
        SELECT d.bet_id, least(0.75, sum(w.rule4_deduction)) AS ded
          FROM day d JOIN runners w ON w.race_id = d.race_id AND w.horse_id <> d.horse_id
         WHERE w.nr AND w.withdrawn_at > d.signal_as_of AND w.rule4_deduction > 0
         GROUP BY d.bet_id
    ), calc AS (
        SELECT d.bet_id, d.stake, me.nr,
               coalesce(r4.ded, 0) AS ded,
               CASE WHEN d.bet_type = 'each_way' THEN d.stake / 2 ELSE d.stake END AS win_stake,
               CASE WHEN d.bet_type = 'each_way' THEN d.stake / 2 ELSE 0 END AS place_stake,
               d.odds::numeric AS odds, coalesce(d.ew_fraction, 0) AS fraction,
               -- Dead heat: of the n runners sharing position pos, min(n, k - pos + 1) fill
               -- paying places (k = 1 for the win), so that share of the stake is paid.
               coalesce(greatest(0, least(h.n, 2 - me.finish_pos))::numeric / h.n, 0)
                   AS win_share,
               coalesce(greatest(0, least(h.n, coalesce(d.ew_places, 0) - me.finish_pos + 1)
                        )::numeric / h.n, 0) AS place_share,
               coalesce(c.decimal_odds, me.sp_decimal::float8) AS closing,
               CASE WHEN c.decimal_odds IS NOT NULL THEN d.odds_source
                    WHEN me.sp_decimal IS NOT NULL THEN 'SP' END AS closing_source,
               CASE WHEN c.decimal_odds IS NOT NULL
                    THEN modeling.book_sum(d.race_id, d.odds_source, ra.off_time)
                    ELSE (SELECT sum(1.0 / s.sp_decimal::float8) FROM runners s
                           WHERE s.race_id = d.race_id AND NOT s.nr) END AS close_book,
               modeling.book_sum(d.race_id, d.odds_source, d.signal_as_of) AS taken_book
          FROM day d
          JOIN resulted USING (race_id)
          JOIN runners me ON me.race_id = d.race_id AND me.horse_id = d.horse_id
          JOIN modeling.src_races ra ON ra.race_id = d.race_id
          LEFT JOIN heat h ON h.race_id = d.race_id AND h.finish_pos = me.finish_pos
          LEFT JOIN rule4 r4 ON r4.bet_id = d.bet_id
          LEFT JOIN LATERAL (
              SELECT o.decimal_odds FROM modeling.src_odds o
               WHERE o.race_id = d.race_id AND o.horse_id = d.horse_id
                 AND o.source = d.odds_source AND o.observed_at < ra.off_time
               ORDER BY o.observed_at DESC LIMIT 1) c ON true
    ), priced AS (
        SELECT c.*, CASE WHEN c.nr THEN c.stake ELSE round(
                   c.win_stake * c.win_share * (1 + (c.odds - 1) * (1 - c.ded))
                   + c.place_stake * c.place_share
                     * (1 + (c.odds - 1) * c.fraction * (1 - c.ded)), 2) END AS ret
          FROM calc c
    )
    UPDATE modeling.bets b
       SET status = CASE WHEN p.nr THEN 'void' ELSE 'settled' END,
           settled_at = coalesce(b.settled_at, now()),
           return_amount = p.ret, pnl = p.ret - b.stake,
           rule4_deduction = CASE WHEN p.nr THEN NULL ELSE p.ded END,
           closing_odds = CASE WHEN p.nr THEN NULL ELSE p.closing END,
           closing_source = CASE WHEN p.nr THEN NULL ELSE p.closing_source END,
           clv_odds = CASE WHEN p.nr THEN NULL ELSE b.odds / p.closing - 1 END,
           clv_prob = CASE WHEN p.nr THEN NULL
                           ELSE (1 / p.closing) / coalesce(nullif(p.close_book, 0), 1)
                                - (1 / b.odds) / coalesce(nullif(p.taken_book, 0), 1) END
      FROM priced p
     WHERE b.bet_id = p.bet_id;
    FOR prof IN SELECT DISTINCT b.profile FROM modeling.bets b WHERE b.race_date = $1 LOOP
        PERFORM modeling.check_risk(prof, $1);
    END LOOP;
    RETURN QUERY
    SELECT count(*) FILTER (WHERE b.status = 'settled')::int,
           count(*) FILTER (WHERE b.status = 'void')::int,
           count(*) FILTER (WHERE b.status IN ('proposed', 'placed'))::int,
           coalesce(sum(b.pnl), 0)
      FROM modeling.bets b WHERE b.race_date = $1 AND b.status <> 'rejected';
END
$fn$;
COMMENT ON FUNCTION modeling.settle(date) IS
    'Settle the day''s bets from results (re-settling recomputes them): win and each way on '
    'the bet''s terms, dead heats (stake shared), non-runners void, Rule 4 from late '
    'withdrawals after signal_as_of; closing odds and CLV. Races without a winner stay open. '
    'Returns the day''s counts and P&L (all profiles).';
REVOKE ALL ON FUNCTION modeling.settle(date) FROM PUBLIC;

CREATE OR REPLACE VIEW modeling.bets_pnl_daily AS
SELECT b.profile, b.race_date,
       count(*) FILTER (WHERE b.status <> 'rejected') AS bets,
       count(*) FILTER (WHERE b.status = 'rejected') AS rejected,
       count(*) FILTER (WHERE b.status IN ('proposed', 'placed')) AS open,
       count(*) FILTER (WHERE b.status = 'settled') AS settled,
       count(*) FILTER (WHERE b.status = 'void') AS voided,
       coalesce(sum(b.stake) FILTER (WHERE b.status = 'settled'), 0) AS staked,
       coalesce(sum(b.return_amount) FILTER (WHERE b.status = 'settled'), 0) AS returned,
       coalesce(sum(b.pnl) FILTER (WHERE b.status IN ('settled', 'void')), 0) AS pnl,
       sum(b.pnl) FILTER (WHERE b.status = 'settled')
           / nullif(sum(b.stake) FILTER (WHERE b.status = 'settled'), 0) AS roi,
       avg(b.clv_odds) FILTER (WHERE b.status = 'settled') AS mean_clv_odds,
       avg(b.clv_prob) FILTER (WHERE b.status = 'settled') AS mean_clv_prob
  FROM modeling.bets b
 GROUP BY b.profile, b.race_date;
COMMENT ON VIEW modeling.bets_pnl_daily IS
    'P&L per profile and race day: bet counts by status, staked and returned on settled bets, '
    'realised P&L, ROI and mean CLV. Per-bet P&L is modeling.bets.pnl.';

CREATE OR REPLACE FUNCTION modeling.clv_summary(
    from_date date, to_date date, profile text DEFAULT 'default')
RETURNS TABLE (bets integer, mean_clv_odds double precision, mean_clv_prob double precision,
               se_clv_prob double precision, stake_weighted_clv_odds double precision,
               share_beat_close double precision, staked numeric, pnl numeric)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF from_date IS NULL OR to_date IS NULL OR from_date > to_date THEN
        RAISE EXCEPTION 'clv_summary: bad date range % .. %', from_date, to_date
            USING ERRCODE = '22023', HINT = 'Pass from_date <= to_date.';
    END IF;
    RETURN QUERY
    SELECT count(*)::int, avg(b.clv_odds), avg(b.clv_prob),
           stddev_samp(b.clv_prob) / sqrt(count(*)),
           sum(b.clv_odds * b.stake::float8) / nullif(sum(b.stake::float8), 0),
           avg((b.clv_odds > 0)::int::float8), coalesce(sum(b.stake), 0),
           coalesce(sum(b.pnl), 0)
      FROM modeling.bets b
     WHERE b.profile = clv_summary.profile AND b.race_date BETWEEN from_date AND to_date
       AND b.status = 'settled' AND b.clv_odds IS NOT NULL;
END
$fn$;
COMMENT ON FUNCTION modeling.clv_summary(date, date, text) IS
    'Closing-line value of a profile''s settled bets raced from_date..to_date: count, mean '
    'CLV in odds (taken/closing - 1) and probability terms (overround-normalised close minus '
    'taken implied probability) with its standard error, stake-weighted odds CLV, share of '
    'bets that beat the close, staked and P&L.';
REVOKE ALL ON FUNCTION modeling.clv_summary(date, date, text) FROM PUBLIC;
