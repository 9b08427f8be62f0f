"""Per-backend cache of ONNX sessions for the scorer, keyed by (model_id, artifact sha256).

Resolving an alias reads only ids, hashes and metadata; the artifact bytes are fetched only on a
cache miss. A promote or rollback changes what the alias resolves to, so the next call picks it
up without a reconnect. Sessions are single-threaded with spinning off: a backend is one query
on one core, and spinning worker threads would steal the other backends' CPU.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

MAX_CACHED = 4  # production + a few challengers; sessions hold the trees in memory

_CACHE: OrderedDict[tuple[int, str], LoadedModel] = OrderedDict()
PLANS: dict[str, Any] = {}


class ArtifactError(ValueError):
    """A registry row whose artifact cannot be used (vanished, bytes not matching the hash)."""


@dataclass(frozen=True)
class ModelInfo:
    """Registry metadata of one model behind an alias (no artifact bytes)."""

    model_id: int
    sha256: str
    name: str
    version: int
    alias: str
    feature_names: tuple[str, ...]
    feature_version: str
    input_name: str
    output_name: str
    params: dict[str, Any]

    @property
    def label(self) -> str:
        return f"model {self.model_id} ({self.name} v{self.version}, alias {self.alias})"


@dataclass
class LoadedModel:
    info: ModelInfo
    session: Any
    input_float32: bool
    explainer: Any | None
    # explain_ort's compiled explainer, built on the first big batch (None: not yet, or
    # refused: fast_tried says which)
    fast_explainer: Any | None = None
    fast_tried: bool = False

    def explainer_for(self, rows: int) -> Any:
        """The explainer for a batch of rows: explain_ort's from MIN_ROWS rows on, when it
        can be built; else the numpy walk."""
        if self.explainer is None:
            raise ValueError(f"{self.info.label} carries no explainer")
        explain_ort = importlib.import_module("hrdpg_pl.explain_ort")
        if rows < explain_ort.MIN_ROWS:
            return self.explainer
        if not self.fast_tried:
            self.fast_tried = True
            try:
                self.fast_explainer = explain_ort.build(self.explainer, make_session)
            except Exception:  # noqa: BLE001 (the numpy walk gives the same contributions)
                self.fast_explainer = None
        return self.fast_explainer or self.explainer


def prepared(plpy: Any, key: str, query: str, types: list[str]) -> Any:
    plan = PLANS.get(key)
    if plan is None:
        plan = plpy.prepare(query, types)
        PLANS[key] = plan
    return plan


# What modeling.feature_version() hashes lives in the modeling schema's catalog rows: functions
# (pg_proc), views (pg_rewrite) and relations (pg_class). Any CREATE OR REPLACE, ALTER or DROP
# there writes a new row version, with a new ctid even within one transaction, so this key
# changes whenever the version may have; VACUUM and ANALYZE update pg_class in place and keep
# it. Hashing the definitions costs 10-20 ms a call; the key about 1 ms.
DEFINITIONS_KEY_SQL = """
SELECT md5(string_agg(k, ',' ORDER BY k)) AS k FROM (
    SELECT 'p' || p.oid || ':' || p.xmin || p.ctid FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'modeling'::regnamespace
    UNION ALL
    SELECT 'r' || r.oid || ':' || r.xmin || r.ctid FROM pg_catalog.pg_rewrite r
      JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
     WHERE c.relnamespace = 'modeling'::regnamespace
    UNION ALL
    SELECT 'c' || c.oid || ':' || c.xmin || c.ctid FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'modeling'::regnamespace) s(k)
"""
_VERSION: dict[str, str] = {}  # definitions key -> feature version (the newest only)


def feature_version(plpy: Any) -> str:
    """modeling.feature_version(), computed again only when its definitions' key changed."""
    key = str(plpy.execute(prepared(plpy, "definitions_key", DEFINITIONS_KEY_SQL, []))[0]["k"])
    if key not in _VERSION:
        _VERSION.clear()
        _VERSION[key] = str(plpy.execute("SELECT modeling.feature_version() AS v")[0]["v"])
    return _VERSION[key]


# The alias `hrdpg backtest` scores its period models under: it is never a challenger of
# another alias's scoring, so a backtest model is not published by the live runs.
BACKTEST_ALIAS = "backtest"

ALIASES_SQL = """
SELECT a.alias, m.model_id, m.artifact_sha256, m.name, m.version, m.feature_names,
       m.feature_version, m.input_name, m.output_name, m.params::text AS params
  FROM modeling.model_aliases a
  JOIN modeling.models m ON m.model_id = a.model_id
 WHERE a.alias = $1 OR ($2 AND a.alias <> $3)
 ORDER BY a.alias <> $1, a.alias
"""


def resolve(plpy: Any, alias: str, challengers: bool) -> tuple[ModelInfo, list[ModelInfo]]:
    """(the alias's model, challenger models under other aliases); raises if alias is unset."""
    rows = plpy.execute(prepared(plpy, "aliases", ALIASES_SQL, ["text", "boolean", "text"]),
                        [alias, challengers, BACKTEST_ALIAS])
    infos = [ModelInfo(
        model_id=int(r["model_id"]), sha256=str(r["artifact_sha256"]), name=str(r["name"]),
        version=int(r["version"]), alias=str(r["alias"]),
        feature_names=tuple(str(n) for n in r["feature_names"]),
        feature_version=str(r["feature_version"]), input_name=str(r["input_name"]),
        output_name=str(r["output_name"]), params=json.loads(r["params"] or "{}"))
        for r in rows]
    if not infos or infos[0].alias != alias:
        raise ValueError(f"score: alias {alias!r} does not point at any model. Next: promote "
                         "one with `hrdpg models promote ID --alias " + alias + "`")
    main = infos[0]
    # A model under two aliases is published once, under the requested alias.
    seen = {main.model_id}
    others = []
    for info in infos[1:]:
        if info.model_id not in seen:
            seen.add(info.model_id)
            others.append(info)
    return main, others


def make_session(artifact: bytes) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return ort.InferenceSession(artifact, opts, providers=["CPUExecutionProvider"])


def _explainer(session: Any) -> Any | None:
    """explain.load_explainer on the model's ONNX metadata; None when unavailable."""
    try:
        explain = importlib.import_module("hrdpg_pl.explain")
    except ImportError:
        return None
    meta = dict(session.get_modelmeta().custom_metadata_map or {})
    return explain.load_explainer(meta)


def load(plpy: Any, info: ModelInfo) -> tuple[LoadedModel, bool]:
    """The cached session for info, loading the artifact on a miss; (model, was_cached)."""
    key = (info.model_id, info.sha256)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        hit.info = info  # aliases may differ between calls; the artifact does not
        return hit, True
    rows = plpy.execute(prepared(plpy, "artifact",
                              "SELECT artifact FROM modeling.models WHERE model_id = $1",
                              ["bigint"]), [info.model_id])
    if not rows:
        raise ArtifactError(f"score: {info.label} vanished from modeling.models while loading")
    artifact = bytes(rows[0]["artifact"])
    if hashlib.sha256(artifact).hexdigest() != info.sha256:
        raise ArtifactError(f"score: {info.label}: artifact bytes do not match artifact_sha256. "
                         "Next: re-register the model; the registry row is corrupted")
    session = make_session(artifact)
    inp = session.get_inputs()[0]
    loaded = LoadedModel(info=info, session=session, input_float32=inp.type == "tensor(float)",
                         explainer=_explainer(session))
    _CACHE[key] = loaded
    while len(_CACHE) > MAX_CACHED:
        _CACHE.popitem(last=False)
    return loaded, False


def clear() -> None:
    """Forget every cached session and plan (tests; a backend never needs it)."""
    _CACHE.clear()
    PLANS.clear()
    _VERSION.clear()
