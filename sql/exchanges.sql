-- What an odds source's exchange charges and what closes its market: the one place for both
-- (docs/pricing.md "Exchange commission", docs/bets.md "Closing-line value").

CREATE OR REPLACE FUNCTION modeling.exchange_terms(
    source text, OUT commission double precision, OUT closes_at_sp boolean)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- Betfair (the betfair_* sources of `hrdpg load betfair-anz`): 7 %, the market base rate
-- Betfair states for Australian racing (NSW thoroughbreds pay 10 %, NZ less; one stated rate,
-- not told apart by state). Its market closes at the Betfair SP, the runner's sp_decimal.
RETURN ((CASE WHEN source LIKE 'betfair\_%' THEN 0.07 ELSE 0 END)::double precision,
        source LIKE 'betfair\_%');
COMMENT ON FUNCTION modeling.exchange_terms(text) IS
    'Commission (share of net winnings) of an odds source and whether its closing line is the '
    'runner''s SP: Betfair sources 7 % and BSP; every other source 0 and its own last price. '
    'Used for edges, Kelly, settlement P&L and CLV.';
