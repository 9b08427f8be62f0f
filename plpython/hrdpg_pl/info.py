"""Report the interpreter and libraries visible to the server process."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

import hrdpg_pl


def _module_version(name: str) -> str | None:
    try:
        module = __import__(name)
    except ImportError as exc:
        return f"missing ({exc})"
    return str(getattr(module, "__version__", "unknown"))


def source_hash() -> str | None:
    """The hash `hrdpg db server-env` / migrate wrote next to these modules (None when they
    were not installed by hrdpg, e.g. imported from a checkout)."""
    hash_file = Path(hrdpg_pl.__file__).with_name("_source_hash.txt")
    return hash_file.read_text().strip() if hash_file.exists() else None


def engine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "numpy": _module_version("numpy"),
        "onnxruntime": _module_version("onnxruntime"),
        "hrdpg_pl": hrdpg_pl.__version__,
        "hrdpg_pl_path": str(Path(hrdpg_pl.__file__).parent),
        "hrdpg_pl_source_hash": source_hash(),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }
