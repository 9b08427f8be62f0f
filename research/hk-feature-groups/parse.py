"""Parse HKJC results / sectionals / form records into one runner table (runners.pkl)."""
import os
HERE = os.path.dirname(os.path.abspath(__file__))
import glob, re, os
import numpy as np, pandas as pd

D = os.environ.get('HKJC_DIR', HERE + '/../../../shared/data/hkjc')
OUT = HERE + '/runners.pkl'

def read(pattern):
    fs = sorted(glob.glob(pattern))
    return pd.concat([pd.read_csv(f, encoding='utf-8-sig', dtype=str) for f in fs], ignore_index=True)

def tsec(s, sep=':'):
    if not isinstance(s, str) or not s.strip():
        return np.nan
    s = s.strip()
    try:
        if sep in s:
            m, r = s.split(sep, 1)
            return int(m) * 60 + float(r)
        return float(s)
    except ValueError:
        return np.nan

def tsec_form(s):  # m.ss.cc
    if not isinstance(s, str):
        return np.nan
    p = s.strip().split('.')
    try:
        if len(p) == 3:
            return int(p[0]) * 60 + int(p[1]) + int(p[2]) / 100
        if len(p) == 2:
            return float(s)
    except ValueError:
        pass
    return np.nan

WORDS = {'鼻位': 0.05, '短馬頭位': 0.1, '頭位': 0.2, '頸位': 0.3, '多個馬位': 30.0, '遙遙落後': 40.0, '-': 0.0}

def lbw_num(s):
    if not isinstance(s, str):
        return np.nan
    s = s.strip()
    if s in WORDS:
        return WORDS[s]
    m = re.fullmatch(r'(\d+)-(\d+)/(\d+)', s)
    if m:
        return int(m[1]) + int(m[2]) / int(m[3])
    m = re.fullmatch(r'(\d+)/(\d+)', s)
    if m:
        return int(m[1]) / int(m[2])
    m = re.fullmatch(r'\d+(\.\d+)?', s)
    if m:
        return float(s)
    return np.nan

CLASS = {'第一班': 1, '第二班': 2, '第三班': 3, '第四班': 4, '第五班': 5, '第四班（條件限制）': 4, '香港三級賽': 0}
GOING = {'好地': 'G', '好地至快地': 'GF', '快地': 'F', '好地至黏地': 'GY', '黏地': 'Y', '黏地至軟地': 'YS',
         '軟地': 'S', '濕快地': 'WF', '濕慢地': 'WS'}

def main():
    r = read(f'{D}/20*/results_*.csv')
    r = r[r['date'] != 'date']
    r['race_no'] = r['race_no'].astype(int)
    r['date'] = pd.to_datetime(r['date'])
    r['horse'] = r['horse_name'].str.extract(r'\(([A-Z0-9]+)\)\s*$')[0]
    r['venue'] = np.where(r['venue'] == '沙田', 'ST', 'HV')
    r['surface'] = np.where(r['course'].str.contains('全天候', na=False), 'AW', 'T')
    r['rail'] = r['course'].str.extract(r'"([A-C](?:\+\d)?)"')[0].fillna('AW')
    r['cls'] = r['race_class'].map(CLASS).fillna(0).astype(int)
    r['going_c'] = r['going'].map(GOING).fillna('G')
    rr = r['rating_range'].str.extract(r'(\d+)-(\d+)')
    r['band_hi'] = pd.to_numeric(rr[0]); r['band_lo'] = pd.to_numeric(rr[1])
    for c in ['distance_m', 'actual_wt_lbs', 'declared_wt_lbs', 'draw', 'win_odds', 'prize_hkd']:
        r[c] = pd.to_numeric(r[c].str.replace(',', ''), errors='coerce')
    pl = r['place'].fillna('').str.strip()
    r['dead_heat'] = pl.str.contains('平頭馬')
    r['pos'] = pd.to_numeric(pl.str.extract(r'^(\d+)')[0], errors='coerce')
    nonrun = pl.str.startswith('W') | (pl == 'TNP') | (pl == '')
    r = r[~nonrun].copy()
    r = r.drop_duplicates(['date', 'race_no', 'horse'])  # some results files repeat a race's rows
    # starters that did not finish (PU/UR/FE/DNF/DISQ) count as runners that lost; no position
    r['finished'] = r['pos'].notna()
    r['win'] = (r['pos'] == 1).astype(int)
    r['lbw_n'] = r['lbw'].map(lbw_num)
    r.loc[r['win'] == 1, 'lbw_n'] = 0.0
    r['ftime'] = r['finish_time'].map(tsec)
    rp = r['running_position'].fillna('').str.split()
    r['pos_first'] = pd.to_numeric(rp.str[0], errors='coerce')
    r['pos_mid'] = pd.to_numeric(rp.map(lambda x: x[len(x) // 2] if len(x) >= 3 else (x[0] if x else None)), errors='coerce')
    r['hno'] = r['horse_no'].astype(str)

    # sectionals: last-section own time and first-call margin
    s = read(f'{D}/20*/sectional_times_*.csv')
    s = s[s['date'] != 'date']
    s['date'] = pd.to_datetime(s['date']); s['race_no'] = s['race_no'].astype(int)
    s['horse'] = s['horse_name'].str.extract(r'\(([A-Z0-9]+)\)\s*$')[0]
    tcols = [c for c in s.columns if re.fullmatch(r'sec\d+_time', c)]
    T = s[tcols].apply(pd.to_numeric, errors='coerce').values
    nsec = np.sum(~np.isnan(T), axis=1)
    last = np.array([row[n - 1] if n > 0 else np.nan for row, n in zip(T, nsec)])
    s['last_sec'] = last
    s['first_sec'] = T[:, 0]
    s['first_margin'] = s['sec1_margin'].map(lbw_num)
    s['nsec'] = nsec
    s = s.drop_duplicates(['date', 'race_no', 'horse'])
    r = r.merge(s[['date', 'race_no', 'horse', 'last_sec', 'first_sec', 'first_margin', 'nsec']],
                on=['date', 'race_no', 'horse'], how='left')

    # form records: rating + gear (+ distance/class fill for feature races)
    fs = glob.glob(f'{D}/horses/form_records/form_*.csv')
    f = pd.concat([pd.read_csv(x, encoding='utf-8-sig', dtype=str) for x in fs], ignore_index=True)
    f['date'] = pd.to_datetime(f['date'], format='%d/%m/%Y', errors='coerce')
    f = f.rename(columns={'horse_no': 'horse'})
    f['rating'] = pd.to_numeric(f['rating'], errors='coerce')
    f['f_dist'] = pd.to_numeric(f['distance_m'], errors='coerce')
    f['f_cls'] = pd.to_numeric(f['race_class'], errors='coerce')
    f = f.drop_duplicates(['horse', 'date'])
    r = r.merge(f[['horse', 'date', 'rating', 'gear', 'f_dist', 'f_cls']], on=['horse', 'date'], how='left')
    r['distance_m'] = r['distance_m'].fillna(r['f_dist'])
    # race-level
    r['race'] = r['date'].dt.strftime('%Y%m%d') + '_' + r['race_no'].astype(str).str.zfill(2)
    r['field'] = r.groupby('race')['horse'].transform('size')
    r['nwin'] = r.groupby('race')['win'].transform('sum')
    keep = ['race', 'date', 'race_no', 'venue', 'surface', 'rail', 'cls', 'going_c', 'distance_m', 'band_hi', 'band_lo',
            'prize_hkd', 'horse', 'hno', 'jockey', 'trainer', 'actual_wt_lbs', 'declared_wt_lbs', 'draw', 'win_odds',
            'pos', 'finished', 'win', 'dead_heat', 'lbw_n', 'ftime', 'pos_first', 'pos_mid', 'last_sec', 'first_sec',
            'first_margin', 'nsec', 'rating', 'gear', 'field', 'nwin']
    r = r[keep].sort_values(['date', 'race_no', 'pos']).reset_index(drop=True)
    r.to_pickle(OUT)
    print(r.shape, r['race'].nunique(), 'races')
    print(r.isna().mean().round(3).to_string())
    print(r['nwin'].value_counts())

if __name__ == '__main__':
    main()
