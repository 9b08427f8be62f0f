"""Pick LightGBM params by the inner (last 20% of 2016-2020 dates) validation race log-loss only."""
import model as M
tr = M.F[M.F.year <= 2020]; te = M.eval_set(M.F[M.F.year == 2021])
grid = [dict(learning_rate=0.05, num_leaves=15, min_data_in_leaf=100),
        dict(learning_rate=0.02, num_leaves=7, min_data_in_leaf=300),
        dict(learning_rate=0.02, num_leaves=15, min_data_in_leaf=300, feature_fraction=0.7),
        dict(learning_rate=0.02, num_leaves=4, min_data_in_leaf=500, feature_fraction=0.7),
        dict(learning_rate=0.02, num_leaves=7, min_data_in_leaf=200, feature_fraction=0.5, lambda_l2=20.0)]
base = dict(M.PARAMS); M.MAXR = 2000
allc = M.GROUPS['base'] + sum((v for k, v in M.GROUPS.items() if k != 'base'), [])
for g in grid:
    M.PARAMS = dict(base, **g)
    for name, cols in [('base', M.GROUPS['base']), ('all', allc)]:
        p, info, _ = M.fit_predict(tr, te, cols)
        ll, ll0 = M.summary(p, te)
        print(g, name, info, 'val2021=%.4f' % M.r2(ll, ll0), flush=True)
