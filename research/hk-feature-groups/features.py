"""Point-in-time features. Every feature of a runner in a race on date D uses only runs dated < D.
Writes feats.pkl and prints group column lists (see GROUPS)."""
import os
HERE = os.path.dirname(os.path.abspath(__file__))
import numpy as np, pandas as pd

R = pd.read_pickle(HERE + '/runners.pkl')
P0 = 0.08  # prior win rate used for shrinkage (~1/12.4 mean field)


def by_date_prior(df, keys, vals, days=None):
    """For each row, sum of `vals` over rows with the same `keys` and date in [date-days, date) (all prior if
    days is None). Same-day rows are excluded (strictly before the race date)."""
    g = df.groupby(keys + ['date'], sort=True)[vals].sum().reset_index()
    if days is None:
        cs = g.groupby(keys)[vals].cumsum()
        out = cs - g[vals]
    else:
        parts = []
        g = g.sort_values(keys + ['date'])
        rolled = (g.set_index('date').groupby(keys)[vals]
                  .rolling(f'{days}D', closed='left').sum())
        out = rolled.reset_index(drop=True).fillna(0.0)
        out.index = g.index
    res = g[keys + ['date']].copy()
    for v in vals:
        res[v] = out[v].values
    return df[keys + ['date']].merge(res, on=keys + ['date'], how='left')[vals].values


def main():
    r = R.sort_values(['date', 'race_no', 'horse']).reset_index(drop=True)
    r['km'] = r['distance_m'] / 1000.0
    r['track'] = r['venue'] + r['surface']
    fm1 = (r['field'] - 1).clip(lower=1)
    # ---------- per-run outcomes (known after the race) ----------
    r['npos'] = np.where(r['finished'], (r['pos'] - 1) / fm1, 1.0)
    r['lbw_c'] = np.where(r['finished'], r['lbw_n'].clip(upper=30), 30.0)
    r['exp1'] = 1.0 / r['field']  # market-free expectation
    r['early'] = (r['pos_first'] - 1) / fm1
    # rating rank in field (1 = highest rating), normalised
    r['rating_f'] = r['rating'].fillna(r.groupby('race')['rating'].transform('min'))
    r['rrank'] = r.groupby('race')['rating_f'].rank(ascending=False, method='average')
    r['rrank_n'] = (r['rrank'] - 1) / fm1

    # ---------- speed figures ----------
    win = r[(r['win'] == 1) & r['ftime'].notna() & r['km'].notna()].drop_duplicates('race')
    wt = win[['race', 'date', 'track', 'distance_m', 'ftime', 'last_sec']].copy()
    wt['one'] = 1.0
    # par = mean winning time of earlier dates, same track (venue+surface) and distance
    pr = by_date_prior(wt, ['track', 'distance_m'], ['ftime', 'one'])
    wt['par'] = np.where(pr[:, 1] >= 3, pr[:, 0] / np.maximum(pr[:, 1], 1), np.nan)
    wt['ls'] = wt['last_sec'].fillna(0); wt['lsn'] = wt['last_sec'].notna().astype(float)
    pr2 = by_date_prior(wt, ['track', 'distance_m'], ['ls', 'lsn'])
    wt['par_last'] = np.where(pr2[:, 1] >= 3, pr2[:, 0] / np.maximum(pr2[:, 1], 1), np.nan)
    wt['dev'] = (wt['ftime'] - wt['par']) / (wt['distance_m'] / 1000)
    # track variant: median per (date, track) of winner deviation per km (uses the whole meeting -> only
    # valid for races on later dates, which is the only way figures are used below)
    var = wt.groupby(['date', 'track'])['dev'].median().rename('variant').reset_index()
    r = r.merge(wt[['race', 'par', 'par_last']], on='race', how='left').merge(var, on=['date', 'track'], how='left')
    r['variant'] = r['variant'].fillna(0.0)
    # runner's time: own finish time, else winner time + 0.17 s per length
    wtime = r.groupby('race')['ftime'].transform('min')
    t = r['ftime'].where(r['ftime'].notna() & r['finished'], wtime + 0.17 * r['lbw_c'])
    # figure in 0.1 s/km units faster than par, after variant, + 0.4 per lb carried above 126
    r['fig'] = 10 * ((r['par'] - t) / r['km'] + r['variant']) + 0.4 * (r['actual_wt_lbs'] - 126)
    r.loc[~r['finished'], 'fig'] = np.nan
    # pace outcomes
    r['fin_rel'] = r['last_sec'] - r.groupby('race')['last_sec'].transform('median')  # - = quicker finish
    r['first_rel'] = r['first_sec'] - r.groupby('race')['first_sec'].transform('median')  # - = quicker start
    r['fin_par'] = r['last_sec'] - r['par_last'] - r['variant'] * 0.4  # last ~400m vs par, variant-adjusted

    # ---------- horse history (one run per horse per day -> shift is strictly before the date) ----------
    r = r.sort_values(['horse', 'date']).reset_index(drop=True)
    g = r.groupby('horse')
    def sh(c, k=1):
        return g[c].shift(k)
    r['n_prev'] = g.cumcount()
    r['wins_prev'] = g['win'].cumsum() - r['win']
    sk = 3.0
    r['career_wr'] = (r['wins_prev'] + sk * P0) / (r['n_prev'] + sk)
    w5 = g['win'].transform(lambda s: s.shift(1).rolling(5, min_periods=1).sum())
    n5 = r['n_prev'].clip(upper=5)
    r['recent_wr'] = (w5.fillna(0) + sk * P0) / (n5 + sk)
    for name, keys in [('course', ['track']), ('dist', ['distance_m']), ('going', ['going_c'])]:
        gg = r.groupby(['horse'] + keys)
        n = gg.cumcount(); w = gg['win'].cumsum() - r['win']
        r[f'{name}_wr'] = (w + sk * P0) / (n + sk)
    for k in (1, 2, 3):
        r[f'npos_l{k}'] = sh('npos', k)
    r['lbw_m3'] = g['lbw_c'].transform(lambda s: s.shift(1).rolling(3, min_periods=1).mean())
    r['cls_chg'] = r['cls'] - sh('cls')
    r['dist_chg'] = r['distance_m'] - sh('distance_m')
    # speed-figure history
    r['fig_l1'] = sh('fig')
    r['fig_best3'] = g['fig'].transform(lambda s: s.shift(1).rolling(3, min_periods=1).max())
    r['fig_best5'] = g['fig'].transform(lambda s: s.shift(1).rolling(5, min_periods=1).max())
    r['fig_mean3'] = g['fig'].transform(lambda s: s.shift(1).rolling(3, min_periods=1).mean())
    # pace history
    r['early_m5'] = g['early'].transform(lambda s: s.shift(1).rolling(5, min_periods=1).mean())
    r['fin_rel_m3'] = g['fin_rel'].transform(lambda s: s.shift(1).rolling(3, min_periods=1).mean())
    r['fin_par_m3'] = g['fin_par'].transform(lambda s: s.shift(1).rolling(3, min_periods=1).mean())
    r['fin_par_l1'] = sh('fin_par')
    r['first_rel_m3'] = g['first_rel'].transform(lambda s: s.shift(1).rolling(3, min_periods=1).mean())
    # extra pace: last-run early position, mid-race position mean, early-section speed vs race
    r['mid'] = (r['pos_mid'] - 1) / fm1
    r['early_l1'] = sh('early')
    r['mid_m3'] = g['mid'].transform(lambda s: s.shift(1).rolling(3, min_periods=1).mean())
    r['fin_rel_best3'] = g['fin_rel'].transform(lambda s: s.shift(1).rolling(3, min_periods=1).min())
    # rating history
    r['rating_chg'] = r['rating'] - sh('rating')
    # body weight / layoff / gear
    r['days_since'] = (r['date'] - sh('date')).dt.days
    r['decl_chg'] = r['declared_wt_lbs'] - sh('declared_wt_lbs')
    r['after_break1'] = (r['days_since'] > 60).astype(float)
    r['after_break2'] = ((r['days_since'] <= 60) & (g['days_since'].shift(1) > 60)).astype(float)
    r.loc[r['n_prev'] == 0, ['after_break1', 'after_break2']] = np.nan
    gear = r['gear'].fillna('--').replace('--', '')
    toks = gear.str.split('/')
    r['gear_first'] = toks.map(lambda t: sum(1 for x in t if x.endswith('1'))).astype(float)
    r['blink_first'] = toks.map(lambda t: float(any(x in ('B1', 'V1', 'CP1', 'XB1', 'H1') for x in t)))
    r['gear_removed'] = toks.map(lambda t: sum(1 for x in t if x.endswith('-'))).astype(float)
    r['gear_n'] = toks.map(lambda t: sum(1 for x in t if x and not x.endswith('-'))).astype(float)
    base_gear = toks.map(lambda t: '/'.join(sorted(x.rstrip('12') for x in t if x and not x.endswith('-'))))
    r['base_gear'] = base_gear
    r['gear_chg'] = (base_gear != r.groupby('horse')['base_gear'].shift(1)).astype(float)
    r.loc[r['n_prev'] == 0, 'gear_chg'] = np.nan

    # ---------- Elo (multi-runner, sequential by date/race) ----------
    r = r.sort_values(['date', 'race_no', 'horse']).reset_index(drop=True)
    elo = {}
    pre = np.empty(len(r))
    hs = r['horse'].values; npv = r['npos'].values
    starts = np.r_[0, np.flatnonzero(r['race'].values[1:] != r['race'].values[:-1]) + 1, len(r)]
    K = 24.0
    for a, b in zip(starts[:-1], starts[1:]):
        Ri = np.array([elo.get(h, 1500.0) for h in hs[a:b]])
        pre[a:b] = Ri
        n = b - a
        if n < 2:
            continue
        E = 1 / (1 + 10 ** ((Ri[None, :] - Ri[:, None]) / 400))  # E[i,j] = P(i beats j)
        np.fill_diagonal(E, 0)
        p = npv[a:b]
        S = (p[:, None] < p[None, :]).astype(float) + 0.5 * (p[:, None] == p[None, :])
        np.fill_diagonal(S, 0)
        upd = K * (S.sum(1) - E.sum(1)) / (n - 1) * 2
        for h, u, rv in zip(hs[a:b], upd, Ri):
            elo[h] = rv + u
    r['elo'] = pre

    # ---------- jockey / trainer ----------
    r['one'] = 1.0
    r['qual'] = r['rrank_n']  # ride quality proxy: rating-rank percentile (0 = top rated)
    r['perf_vs_q'] = r['npos'] - r['qual']
    for who in ('jockey', 'trainer'):
        for d in (14, 90, 365):
            v = by_date_prior(r, [who], ['win', 'one'], d)
            r[f'{who[0]}_wr{d}'] = (v[:, 0] + 10 * P0) / (v[:, 1] + 10)
    v = by_date_prior(r, ['trainer'], ['win', 'exp1'], 30)
    r['t_ae30'] = (v[:, 0] + 3) / (v[:, 1] + 3)
    # group f: A/E vs 1/field, shrunk by k expected wins
    for who in ('jockey', 'trainer'):
        for d in (60, 365):
            v = by_date_prior(r, [who], ['win', 'exp1'], d)
            r[f'{who[0]}_ae{d}'] = (v[:, 0] + 5) / (v[:, 1] + 5)
        v = by_date_prior(r, [who], ['perf_vs_q', 'one'], 30)
        r[f'{who[0]}_form30'] = v[:, 0] / (v[:, 1] + 10)
    v = by_date_prior(r, ['jockey', 'trainer'], ['win', 'exp1', 'one'], 730)
    r['jt_ae'] = (v[:, 0] + 2) / (v[:, 1] + 2)
    r['jt_n'] = v[:, 2]

    # ---------- draw bias ----------
    r['dband'] = pd.cut(r['distance_m'], [0, 1150, 1450, 1850, 5000], labels=False)
    r['dthird'] = np.minimum(((r['draw'] - 1) * 3 // r['field'].clip(lower=1)), 2)
    v = by_date_prior(r, ['venue', 'dband', 'dthird'], ['win', 'exp1'])
    r['draw_ae_base'] = (v[:, 0] + 20) / (v[:, 1] + 20)
    v = by_date_prior(r, ['venue', 'surface', 'distance_m', 'rail', 'draw'], ['win', 'exp1', 'npos', 'one'])
    r['draw_ae_fine'] = (v[:, 0] + 10) / (v[:, 1] + 10)
    r['draw_npos_fine'] = (v[:, 2] + 20 * 0.5) / (v[:, 3] + 20)
    v = by_date_prior(r, ['venue', 'surface', 'distance_m', 'draw'], ['win', 'exp1', 'npos', 'one'])
    r['draw_npos_cd'] = (v[:, 2] + 20 * 0.5) / (v[:, 3] + 20)

    # ---------- race-relative (uses only same-race pre-race values) ----------
    gr = r.groupby('race')
    r['wt_rel'] = r['actual_wt_lbs'] - gr['actual_wt_lbs'].transform('mean')
    r['rating_rel'] = r['rating'] - gr['rating'].transform('mean')
    r['fig_rel'] = r['fig_best3'] - gr['fig_best3'].transform('mean')
    r['fig_rank'] = gr['fig_best3'].rank(ascending=False) / r['field']
    r['elo_rel'] = r['elo'] - gr['elo'].transform('mean')
    # pace: front runners = horses whose mean early position over last 5 runs <= 0.25
    r['front'] = (r['early_m5'] <= 0.25).astype(float)
    r['n_front'] = gr['front'].transform('sum') - r['front']
    r['early_rel'] = r['early_m5'] - gr['early_m5'].transform('mean')
    r['fin_rel_rank'] = gr['fin_par_m3'].rank() / r['field']
    r['early_rank'] = gr['early_m5'].rank() / r['field']
    r['front_pressure'] = r['n_front'] * (r['early_m5'] <= 0.25)
    # rating vs band and weight vs rating (HK handicap: top weight 133 lb, 1 lb per rating point, min 113)
    r['band_pos'] = (r['rating'] - r['band_lo']) / (r['band_hi'] - r['band_lo']).replace(0, np.nan)
    exp_wt = (133 - (gr['rating'].transform('max') - r['rating'])).clip(113, 133)
    r['wt_claim'] = exp_wt - r['actual_wt_lbs']
    r['decl_rel'] = r['declared_wt_lbs'] - gr['declared_wt_lbs'].transform('mean')
    r['pm'] = (1 / r['win_odds']).where(r['win_odds'] > 1)
    r['pm'] = r['pm'].fillna(gr['pm'].transform('min'))
    r['p_mkt'] = r['pm'] / r.groupby('race')['pm'].transform('sum')
    r.to_pickle(HERE + '/feats.pkl')
    print(r.shape)
    cols = sum(GROUPS.values(), [])
    print(r.loc[r.date.dt.year >= 2017, cols].isna().mean().round(3).to_string())


GROUPS = {
    'base': ['field', 'wt_rel', 'rating_rel', 'rrank_n', 'draw', 'career_wr', 'recent_wr', 'course_wr', 'dist_wr',
             'going_wr', 'npos_l1', 'npos_l2', 'npos_l3', 'lbw_m3', 'cls_chg', 'dist_chg', 'elo', 'j_wr14', 'j_wr90',
             'j_wr365', 't_wr14', 't_wr90', 't_wr365', 't_ae30', 'draw_ae_base'],
    'a_speed': ['fig_l1', 'fig_best3', 'fig_best5', 'fig_mean3', 'fig_rel', 'fig_rank'],
    'b_pace': ['early_m5', 'early_rel', 'n_front', 'fin_rel_m3', 'fin_par_m3', 'fin_par_l1', 'fin_rel_rank'],
    'b2_pace_extra': ['early_l1', 'mid_m3', 'fin_rel_best3', 'first_rel_m3', 'early_rank', 'front_pressure'],
    'c_rating': ['rating_chg', 'band_pos', 'wt_claim', 'rating'],
    'd_body_gear': ['declared_wt_lbs', 'decl_chg', 'decl_rel', 'days_since', 'after_break1', 'after_break2',
                    'gear_first', 'blink_first', 'gear_removed', 'gear_n', 'gear_chg'],
    'e_draw': ['draw_ae_fine', 'draw_npos_fine', 'draw_npos_cd'],
    'f_jt': ['j_ae60', 'j_ae365', 't_ae60', 't_ae365', 'j_form30', 't_form30', 'jt_ae', 'jt_n'],
}

if __name__ == '__main__':
    main()
