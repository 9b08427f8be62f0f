"""Leave-one-group-out from the combined set (validation 2021), paired bootstrap vs combined."""
import model as M
tr = M.F[M.F.year <= 2020]; te = M.eval_set(M.F[M.F.year == 2021])
G = [k for k in M.GROUPS if k != 'base']
def run(groups):
    cols = M.GROUPS['base'] + sum((M.GROUPS[g] for g in groups), [])
    p, info, _ = M.fit_predict(tr, te, cols); return M.summary(p, te), info
(llc, ll0), _ = run(G)
(llb, _), _ = run([])
print('combined R2 %.4f' % M.r2(llc, ll0))
for g in G:
    (ll, _), info = run([x for x in G if x != g])
    print('without %-12s R2=%.4f  minus combined=%.4f [%.4f, %.4f] inner=%.4f' % ((g, M.r2(ll, ll0)) + M.boot(ll, llc, ll0) + (info['inner'],)), flush=True)
for gs in (['a_speed', 'b_pace', 'c_rating', 'e_draw'], ['b_pace', 'e_draw', 'a_speed']):
    (ll, _), info = run(gs)
    print('+'.join(gs), 'R2=%.4f gain vs base=%.4f [%.4f, %.4f] inner=%.4f' % ((M.r2(ll, ll0),) + M.boot(ll, llb, ll0) + (info['inner'],)), flush=True)
