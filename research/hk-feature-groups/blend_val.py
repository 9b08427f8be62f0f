"""2021 validation only: does each group add information beyond the market? Blend a*log p_model + b*log p_mkt,
(a, b) fitted by 2-fold cross-fitting over races (odd/even race index), paired bootstrap of blend - market."""
import numpy as np, pandas as pd, model as M
te = M.eval_set(M.F[M.F.year == 2021]); P = pd.read_pickle('val_preds_clogit.pkl')
_, gid = M.race_index(te); n = gid.max() + 1; y = te['win'].values.astype(float); pk = te['p_mkt'].values
ll0 = -np.log(np.bincount(gid, None, n)); llm = M.race_ll(pk, y, gid, n)
fold = gid % 2
for k, p in P.items():
    pb = np.empty_like(p); abs_ = []
    for f in (0, 1):
        tr, ap = fold != f, fold == f
        _, gt = np.unique(gid[tr], return_inverse=True); _, ga = np.unique(gid[ap], return_inverse=True)
        ab = M.blend_fit(p[tr], pk[tr], gt, gt.max() + 1, y[tr]); abs_.append(ab)
        pb[ap] = M.blend_apply(ab, p[ap], pk[ap], ga, ga.max() + 1)
    llb = M.race_ll(pb, y, gid, n)
    print('%-16s blend-market %+.4f [%+.4f, %+.4f]  a=%s' % ((k,) + M.boot(llb, llm, ll0) + (np.round([a[0] for a in abs_], 3),)))
