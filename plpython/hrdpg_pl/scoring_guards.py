"""Guards every scoring entry point runs first: the engine's modules, the as_of, the dates' locks.

A failed guard raises an ERROR with a hint and nothing is scored.
"""

from __future__ import annotations

from typing import Any

from hrdpg_pl.info import source_hash
from hrdpg_pl.model_cache import prepared

LOCK_SQL = ("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.score_day'), "
            "($1::date - date '2000-01-01'))")
TRY_LOCK_SQL = ("SELECT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext("
                "'hrdpg.score_day'), ($1::date - date '2000-01-01')) AS ok")


def fail(plpy: Any, message: str, hint: str, sqlstate: str = "55000") -> None:
    """Raise an ERROR with a hint; 55000 = object_not_in_prerequisite_state."""
    plpy.error(message, hint=hint, sqlstate=sqlstate)


def check_engine_modules(plpy: Any) -> None:
    """Refuse to score when these modules are not the ones the database's SQL was migrated
    with: SQL and Python of different versions could publish without an error."""
    installed = plpy.execute(prepared(plpy, "engine_hash",
                                      "SELECT modeling.installed_engine_hash() AS h", []))[0]["h"]
    mine = source_hash()
    if mine != installed:
        fail(plpy, f"score: the server's engine modules ({mine or 'not installed by hrdpg'}) "
                   f"are not the ones this database was migrated with ({installed}); "
                   "nothing scored",
             "Rebuild the server's modules from the migrated checkout (`hrdpg db server-env`, "
             "or `hrdpg db migrate` on the embedded cluster) and reconnect.")


def check_as_of(plpy: Any, caller: str, as_of: str) -> None:
    """Refuse an as_of that may not stamp a publication (modeling.as_of_problem)."""
    problem = plpy.execute(prepared(plpy, "as_of", "SELECT modeling.as_of_problem($1) AS p",
                                    ["timestamptz"]), [as_of])[0]["p"]
    if problem is not None:
        fail(plpy, f"{caller}: {problem}; nothing scored",
             "Pass a past as_of (the default is now()).", "22023")


def lock_dates(plpy: Any, dates: list[str], wait: bool) -> bool:
    """Transaction-scoped lock per date, in date order (no deadlock between ranges)."""
    for d in sorted(dates):
        if wait:
            plpy.execute(prepared(plpy, "lock", LOCK_SQL, ["date"]), [d])
        elif not plpy.execute(prepared(plpy, "try_lock", TRY_LOCK_SQL, ["date"]), [d])[0]["ok"]:
            return False
    return True
