"""Thin, typed wrappers around the registry SQL functions, with errors that say what next."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from hrdpg.errors import HrdpgError


@dataclass(frozen=True)
class Registration:
    name: str
    version: int | None  # None: the next free version
    artifact: bytes
    feature_names: list[str]
    feature_version: str
    input_name: str
    output_name: str
    metrics: dict[str, Any]
    params: dict[str, Any]
    feature_reference: dict[str, Any]
    train_from: dt.date
    train_to: dt.date
    test_from: dt.date
    test_to: dt.date
    data_hash: str
    code_version: str
    parent_model_id: int | None = None


def _fail(action: str, exc: psycopg.Error) -> HrdpgError:
    diag = exc.diag
    hint = f" Hint: {diag.message_hint}" if diag.message_hint else ""
    return HrdpgError(f"{action} refused: {diag.message_primary or exc}.{hint}")


def register(conn: psycopg.Connection, r: Registration) -> int:
    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT modeling.register_model(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s, %s, %s, %s)",
                (r.name, r.version, r.artifact, r.feature_names, r.feature_version,
                 r.input_name, r.output_name, Jsonb(r.metrics), Jsonb(r.params),
                 Jsonb(r.feature_reference), r.train_from, r.train_to, r.test_from, r.test_to,
                 r.data_hash, r.code_version, r.parent_model_id)).fetchone()
    except psycopg.Error as exc:
        raise _fail("registration", exc) from exc
    assert row is not None
    return int(row[0])


def promote(conn: psycopg.Connection, model_id: int, alias: str, note: str | None = None) -> int:
    try:
        with conn.transaction():
            row = conn.execute("SELECT modeling.promote_model(%s, %s, %s)",
                               (model_id, alias, note)).fetchone()
    except psycopg.Error as exc:
        raise _fail("promote", exc) from exc
    assert row is not None
    return int(row[0])


def rollback(conn: psycopg.Connection, alias: str, note: str | None = None) -> int:
    try:
        with conn.transaction():
            row = conn.execute("SELECT modeling.rollback_model(%s, %s)",
                               (alias, note)).fetchone()
    except psycopg.Error as exc:
        raise _fail("rollback", exc) from exc
    assert row is not None
    return int(row[0])


def list_models(conn: psycopg.Connection) -> list[dict[str, Any]]:
    cur = conn.execute(
        "SELECT m.model_id, m.name, m.version, m.feature_version, m.created_at,"
        # the test log loss of what scoring publishes: the blend where a race is priced (an
        # older model only has it on priced races: 'blend*'), else the model alone
        " CASE WHEN m.metrics #> '{test,published}' IS NOT NULL"
        "      THEN (m.metrics #>> '{test,published,log_loss}')::float8"
        "      WHEN jsonb_typeof(m.params -> 'blend') = 'object'"
        "       AND m.metrics #> '{test,blend_on_priced}' IS NOT NULL"
        "      THEN (m.metrics #>> '{test,blend_on_priced,log_loss}')::float8"
        "      ELSE (m.metrics #>> '{test,model,log_loss}')::float8 END AS test_log_loss,"
        " CASE WHEN m.metrics #> '{test,published}' IS NOT NULL"
        "      THEN m.metrics #>> '{test,published,source}'"
        "      WHEN jsonb_typeof(m.params -> 'blend') = 'object'"
        "       AND m.metrics #> '{test,blend_on_priced}' IS NOT NULL THEN 'blend*'"
        "      WHEN m.metrics #> '{test,model}' IS NOT NULL THEN 'model' END AS test_source,"
        " coalesce(array_agg(a.alias ORDER BY a.alias) FILTER (WHERE a.alias IS NOT NULL),"
        " '{}') AS aliases"
        " FROM modeling.models m LEFT JOIN modeling.model_aliases a USING (model_id)"
        " GROUP BY m.model_id ORDER BY m.model_id")
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def show_model(conn: psycopg.Connection, model_id: int) -> dict[str, Any]:
    cur = conn.execute(
        "SELECT model_id, name, version, algorithm, artifact_sha256,"
        " octet_length(artifact) AS artifact_bytes, input_name, output_name, feature_names,"
        " feature_version, metrics, params, train_from, train_to, test_from, test_to,"
        " data_hash, code_version, parent_model_id, created_at, created_by"
        " FROM modeling.models WHERE model_id = %s", (model_id,))
    row = cur.fetchone()
    if row is None:
        raise HrdpgError(f"model {model_id} does not exist; see `hrdpg models list`")
    names = [d.name for d in cur.description or []]
    return dict(zip(names, row, strict=True))


def export_file(conn: psycopg.Connection, model_id: int, path: Path) -> str:
    """Write the artifact to path after checking its sha256 against the registry's."""
    row = conn.execute("SELECT artifact, artifact_sha256 FROM modeling.models "
                       "WHERE model_id = %s", (model_id,)).fetchone()
    if row is None:
        raise HrdpgError(f"model {model_id} does not exist; see `hrdpg models list`")
    data, recorded = bytes(row[0]), str(row[1])
    actual = hashlib.sha256(data).hexdigest()
    if actual != recorded:
        raise HrdpgError(f"model {model_id}: artifact sha256 {actual} does not match the "
                         f"registry's {recorded}; the stored bytes are damaged")
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return actual
