"""LightGBM win models, race softmax, pseudo-R2, paired race bootstrap.
usage: python model.py val [objective]      -> validation (train 2016-2020, test 2021) per group
       python model.py final g1,g2,...       -> once: train 2016-2021, test 2022"""
import os
HERE = os.path.dirname(os.path.abspath(__file__))
import sys, json
import numpy as np, pandas as pd, lightgbm as lgb
from scipy.optimize import minimize, minimize_scalar
from features import GROUPS

F = pd.read_pickle(HERE + '/feats.pkl').sort_values(['date', 'race_no', 'horse']).reset_index(drop=True)
F = F[F['nwin'] >= 1]  # drop races without a recorded winner (abandoned)
F['year'] = F['date'].dt.year
PARAMS = dict(learning_rate=0.02, num_leaves=7, min_data_in_leaf=200, lambda_l2=20.0, feature_fraction=0.5,
              num_threads=1, verbose=-1, seed=1, deterministic=True, force_row_wise=True)
MAXR = 2000


def race_index(df):
    rc = df['race'].values
    starts = np.r_[0, np.flatnonzero(rc[1:] != rc[:-1]) + 1]
    return starts, np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(rc)]))


def race_softmax(score, gid, n):
    m = np.full(n, -np.inf); np.maximum.at(m, gid, score)
    e = np.exp(score - m[gid]); s = np.bincount(gid, e, n)
    return e / s[gid]


def clogit_obj(y, gid, n):
    def f(preds, data):
        p = race_softmax(preds, gid, n)
        return p - y, np.maximum(p * (1 - p), 1e-6)
    return f


def race_ll(p, y, gid, n):
    """winner-only log-likelihood per race (eval races have exactly one winner)."""
    return np.bincount(gid, y * np.log(np.clip(p, 1e-12, 1)), n)


def fit_predict(tr, te, cols, obj='clogit'):
    tr = tr.reset_index(drop=True)
    dates = np.sort(tr['date'].unique()); cut = dates[int(len(dates) * 0.8)]
    a, b = tr[tr['date'] < cut], tr[tr['date'] >= cut]
    def prep(d):
        _, gid = race_index(d); n = gid.max() + 1
        y = (d['win'] / d['nwin']).values.astype(float)
        return gid, n, y
    ga, na, ya = prep(a); gb, nb, yb = prep(b)
    P = dict(PARAMS)
    if obj == 'clogit':
        P['objective'] = clogit_obj(ya, ga, na)
        def feval(preds, data):
            return 'rll', -race_ll(race_softmax(preds, gb, nb), yb, gb, nb).mean(), False
        m = lgb.train(P, lgb.Dataset(a[cols], ya, free_raw_data=False), MAXR,
                      valid_sets=[lgb.Dataset(b[cols], yb)], feval=feval,
                      callbacks=[lgb.early_stopping(50, verbose=False)])
        T = 1.0
    else:
        P['objective'] = 'binary'
        m = lgb.train(P, lgb.Dataset(a[cols], (ya > 0).astype(float)), MAXR,
                      valid_sets=[lgb.Dataset(b[cols], (yb > 0).astype(float))],
                      callbacks=[lgb.early_stopping(50, verbose=False)])
        s = m.predict(b[cols], raw_score=True)
        T = minimize_scalar(lambda t: -race_ll(race_softmax(t * s, gb, nb), yb, gb, nb).sum(),
                            bounds=(0.2, 3), method='bounded').x
    it = max(m.best_iteration, 20)
    inner = float(list(m.best_score['valid_0'].values())[0]) if obj == 'clogit' else None
    gf, nf, yf = prep(tr)
    if obj == 'clogit':
        P['objective'] = clogit_obj(yf, gf, nf)
        yy = yf
    else:
        yy = (yf > 0).astype(float)
    mf = lgb.train(P, lgb.Dataset(tr[cols], yy), it)
    _, gt = race_index(te)
    p = race_softmax(T * mf.predict(te[cols], raw_score=True), gt, gt.max() + 1)
    return p, dict(iters=it, T=round(float(T), 3), inner=inner), mf


def eval_set(df):
    e = df[(df['nwin'] == 1) & (df['field'] >= 2)].reset_index(drop=True)
    return e


def summary(p, e):
    _, gid = race_index(e); n = gid.max() + 1
    y = e['win'].values.astype(float)
    ll = race_ll(p, y, gid, n)
    ll0 = -np.log(np.bincount(gid, None, n))
    return ll, ll0


def r2(ll, ll0):
    return 1 - ll.sum() / ll0.sum()


def boot(ll_a, ll_b, ll0, B=1000, seed=7):
    """pseudo-R2 difference (a - b) with bootstrap over races; ll_b may be None (-> R2 of a)."""
    rng = np.random.default_rng(seed)
    n = len(ll0); W = rng.multinomial(n, np.full(n, 1 / n), size=B).astype(float)
    if ll_b is None:
        vals = 1 - (W @ ll_a) / (W @ ll0)
        pt = r2(ll_a, ll0)
    else:
        vals = (W @ (ll_a - ll_b)) / -(W @ ll0)
        pt = (ll_a - ll_b).sum() / -ll0.sum()
    return pt, np.percentile(vals, 2.5), np.percentile(vals, 97.5)


def blend_fit(pm, pk, gid, n, y):
    lm, lk = np.log(np.clip(pm, 1e-9, 1)), np.log(np.clip(pk, 1e-9, 1))
    f = lambda ab: -race_ll(race_softmax(ab[0] * lm + ab[1] * lk, gid, n), y, gid, n).sum()
    return minimize(f, [0.3, 1.0], method='Nelder-Mead').x


def blend_apply(ab, pm, pk, gid, n):
    return race_softmax(ab[0] * np.log(np.clip(pm, 1e-9, 1)) + ab[1] * np.log(np.clip(pk, 1e-9, 1)), gid, n)


def ece(p, y, bins=10):
    q = np.quantile(p, np.linspace(0, 1, bins + 1)); idx = np.clip(np.searchsorted(q, p, side='right') - 1, 0, bins - 1)
    tot = 0.0
    for k in range(bins):
        m = idx == k
        if m.any():
            tot += m.sum() * abs(p[m].mean() - y[m].mean())
    return tot / len(p)


def run_val(obj):
    tr = F[F['year'] <= 2020]; te = eval_set(F[F['year'] == 2021])
    res = {}
    def go(name, cols):
        p, info, _ = fit_predict(tr, te, cols, obj)
        ll, ll0 = summary(p, te)
        res[name] = (ll, p, info)
        print(name, len(cols), 'feats', info, 'R2=%.4f' % r2(ll, ll0), flush=True)
        return ll, ll0
    base = GROUPS['base']
    llb, ll0 = go('base', base)
    rows = []
    for g in [k for k in GROUPS if k != 'base']:
        ll, _ = go('+' + g, base + GROUPS[g])
        rows.append(('+' + g,) + boot(ll, llb, ll0) + (r2(ll, ll0),))
    extra = [g for g in sys.argv[3].split(',')] if len(sys.argv) > 3 else [k for k in GROUPS if k != 'base']
    cols = base + sum((GROUPS[g] for g in extra), [])
    ll, _ = go('combined', cols)
    rows.append(('combined:' + '+'.join(extra),) + boot(ll, llb, ll0) + (r2(ll, ll0),))
    _, gid = race_index(te); n = gid.max() + 1; y = te['win'].values.astype(float)
    llm = race_ll(te['p_mkt'].values, y, gid, n)
    print('market R2 2021 = %.4f' % r2(llm, ll0))
    print('base R2 %s' % str(boot(llb, None, ll0)))
    print('%-40s %8s %8s %8s %8s' % ('set', 'gain', 'lo', 'hi', 'R2'))
    for rw in rows:
        print('%-40s %8.4f %8.4f %8.4f %8.4f' % rw)
    pd.to_pickle({k: v[1] for k, v in res.items()}, f'{HERE}/val_preds_{obj}.pkl')


def run_final(groups, obj='clogit'):
    cols = GROUPS['base'] + sum((GROUPS[g] for g in groups if g != 'base'), [])
    out = {}
    # stage 1: 2021 predictions from a 2016-2020 model -> fit blend weights (a, b) out of sample
    te21 = eval_set(F[F['year'] == 2021])
    p21, _, _ = fit_predict(F[F['year'] <= 2020], te21, cols, obj)
    _, g21 = race_index(te21); n21 = g21.max() + 1
    ab = blend_fit(p21, te21['p_mkt'].values, g21, n21, te21['win'].values.astype(float))
    # stage 2: train 2016-2021, test 2022 (reported once)
    te = eval_set(F[F['year'] == 2022])
    p, info, mf = fit_predict(F[F['year'] <= 2021], te, cols, obj)
    pb, _, _ = fit_predict(F[F['year'] <= 2021], te, GROUPS['base'], obj)
    _, gid = race_index(te); n = gid.max() + 1; y = te['win'].values.astype(float)
    ll, ll0 = summary(p, te)
    llb, _ = summary(pb, te)
    pk = te['p_mkt'].values
    llm = race_ll(pk, y, gid, n)
    pbl = blend_apply(ab, p, pk, gid, n)
    llbl = race_ll(pbl, y, gid, n)
    ab_in = blend_fit(p, pk, gid, n, y)
    llbl_in = race_ll(blend_apply(ab_in, p, pk, gid, n), y, gid, n)
    out = dict(groups=groups, n_races=int(n), n_runners=len(te), info=info,
               model=boot(ll, None, ll0), baseline=boot(llb, None, ll0), model_minus_base=boot(ll, llb, ll0),
               market=boot(llm, None, ll0), blend=boot(llbl, None, ll0), blend_minus_market=boot(llbl, llm, ll0),
               blend_ab_fit2021=[float(x) for x in ab],
               blend_insample2022=boot(llbl_in, None, ll0), blend_insample_minus_market=boot(llbl_in, llm, ll0),
               blend_ab_insample=[float(x) for x in ab_in],
               ece_model=ece(p, y), ece_market=ece(pk, y), ece_blend=ece(pbl, y), ece_base=ece(pb, y))
    imp = pd.Series(mf.feature_importance('gain'), index=cols).sort_values(ascending=False)
    out['top_gain'] = (imp / imp.sum()).round(3).head(15).to_dict()
    print(json.dumps(out, indent=1, default=float))
    json.dump(out, open(HERE + '/final_2022.json', 'w'), indent=1, default=float)


if __name__ == '__main__':
    if sys.argv[1] == 'val':
        run_val(sys.argv[2] if len(sys.argv) > 2 else 'clogit')
    else:
        run_final(sys.argv[2].split(','), sys.argv[3] if len(sys.argv) > 3 else 'clogit')
