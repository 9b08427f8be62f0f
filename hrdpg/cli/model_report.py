"""What a trained model's metrics and params say, as terminal tables: shared by `hrdpg train`
(right after training) and `hrdpg models show` (from the registry), so both read alike.

Every part tolerates a model registered before the key existed: it is left out.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table

from hrdpg.trainer.windows import SLICES

SCORE_ROWS = (("model", "model", "all races"), ("published", "published", "all races"),
              ("market_on_priced", "market*", "priced"), ("model_on_priced", "model*", "priced"),
              ("blend_on_priced", "blend*", "priced"))
R2_ROWS = (("all_races", "model", "model"), ("all_races", "published", "published"),
           ("priced_races", "market", "market*"), ("priced_races", "model", "model*"),
           ("priced_races", "blend", "blend*"),
           ("priced_races", "model_minus_market", "model* - market*"),
           ("priced_races", "blend_minus_market", "blend* - market*"))


def published_source(metrics: dict[str, Any]) -> str:
    pub = metrics.get("test", {}).get("published")
    return str(pub["source"]) if isinstance(pub, dict) else ""


def scores_table(metrics: dict[str, Any]) -> Table | None:
    test = metrics.get("test")
    if not isinstance(test, dict) or "model" not in test:
        return None
    t = Table(title="test period")
    for col in ("", "log loss", "pseudo-R2", "ECE", "Brier", "races"):
        t.add_column(col)
    for key, label, where in SCORE_ROWS:
        m = test.get(key)
        if isinstance(m, dict):
            if key == "published":
                label = f"published ({m.get('source', '?')})"
            races = test["races"] if where == "all races" else test.get("priced_races", "")
            t.add_row(label, f"{m['log_loss']:.5f}", f"{m['pseudo_r2']:.4f}",
                      f"{m['ece']:.4f}", f"{m['brier']:.5f}", str(races))
    return t


def windows_table(metrics: dict[str, Any]) -> Table | None:
    w = metrics.get("windows")
    if not isinstance(w, dict) or not all(isinstance(w.get(k), dict) for k in SLICES):
        return None
    lgb = metrics.get("lightgbm_params")
    refit = isinstance(lgb, dict) and "refit_rounds" in lgb
    stop = "early stopping, then trees again on fit + stop" if refit else "early stopping"
    t = Table(title="windows",
              caption=f"fit: trees | stop: {stop} | calibrate: temperature + blend")
    for col in ("", "from", "to", "races", "rows"):
        t.add_column(col)
    for key in ("train", *SLICES, "test"):
        e = w.get(key)
        if isinstance(e, dict):
            t.add_row(key, e["from"], e["to"], str(e["races"]), str(e["rows"]))
    return t


def blend_lines(params: dict[str, Any]) -> list[str]:
    b = params.get("blend")
    if "blend" not in params:
        return []
    if not isinstance(b, dict):
        return ["blend: none (too few fully priced calibration races); published = model"]
    lines = [f"blend: alpha {b['alpha']:.4f} (model), beta {b['beta']:.4f} (market "
             f"{b.get('market_feature', '?')}) on {b.get('fit_races', '?')} calibration races"]
    prior, free = b.get("prior"), b.get("unconstrained")
    if isinstance(prior, dict) and isinstance(free, dict):
        lines.append(f"  prior alpha {prior['alpha']:g}, beta {prior['beta']:g}, sd "
                     f"{prior['sd']:g}; alpha >= {b.get('alpha_min', 0):g}; without that bound "
                     f"alpha {free['alpha']:.4f}, beta {free['beta']:.4f}")
    halves = b.get("halves")
    if isinstance(halves, list):
        lines.append("  stability refits (alpha free): " + "; ".join(
            f"{name} half alpha {h['alpha']:.4f}, beta {h['beta']:.4f} ({h['races']} races)"
            for name, h in zip(("first", "second"), halves, strict=False)))
    return lines


def pseudo_r2_table(metrics: dict[str, Any]) -> Table | None:
    boot = metrics.get("test", {}).get("pseudo_r2_bootstrap")
    if not isinstance(boot, dict) or not boot:
        return None
    some = next(iter(boot.values()))
    level = f"{100 * some['level']:g}%"
    t = Table(title=f"test pseudo-R2 = 1 - logL/logL(1/field), {level} interval from "
                    f"{some['resamples']} race resamples (seed {some['seed']})")
    for col in ("", "pseudo-R2", "lo", "hi", "races"):
        t.add_column(col)
    for group, key, label in R2_ROWS:
        e = boot.get(group, {}).get(key)
        if isinstance(e, dict):
            t.add_row(label, f"{e['pseudo_r2']:+.4f}", f"{e['lo']:+.4f}", f"{e['hi']:+.4f}",
                      str(boot[group]["races"]))
    return t


def report(metrics: dict[str, Any], params: dict[str, Any]) -> list[RenderableType]:
    """Features, windows, temperature, blend, scores, pseudo-R2 intervals and warnings."""
    out: list[RenderableType] = []
    feats = params.get("features")
    if isinstance(feats, list):
        dropped = params.get("features_dropped_all_null") or []
        out.append(f"features: {len(feats)} used, {len(dropped)} dropped as all-NULL"
                   + (f" ({', '.join(dropped)})" if dropped else "")
                   + f": {', '.join(feats)}")
    if "temperature" in params:
        out.append(f"temperature {params['temperature']:.4f}; best iteration "
                   f"{params.get('best_iteration', '?')}")
    out.extend(x for x in (windows_table(metrics),) if x is not None)
    out.extend(blend_lines(params))
    out.extend(x for x in (scores_table(metrics), pseudo_r2_table(metrics)) if x is not None)
    if "priced_races" in metrics.get("test", {}):
        out.append("* races where every runner has a market price (a blend applies only "
                   "there; elsewhere the published probabilities are the model's)")
    out.extend(f"[bold red]warning:[/] {w}" for w in metrics.get("warnings") or [])
    return out
