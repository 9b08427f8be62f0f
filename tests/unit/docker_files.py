"""The Dockerfile and compose parsers of scripts/chroot_image.py (which builds the images
without a daemon), loaded for the static tests so both read the files the same way."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hrdpg.config import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location(
    "chroot_image", PROJECT_ROOT / "scripts" / "chroot_image.py")
assert _spec is not None and _spec.loader is not None
chroot_image = importlib.util.module_from_spec(_spec)
sys.modules["chroot_image"] = chroot_image
_spec.loader.exec_module(chroot_image)

DOCKER: Path = chroot_image.DOCKER
DOCKERFILES = sorted(DOCKER.glob("Dockerfile.*"))
instructions = chroot_image.instructions
image = chroot_image.describe
read_compose = chroot_image.read_compose


def runs(dockerfile: Path) -> list[str]:
    return [args for kind, args in instructions(dockerfile) if kind == "RUN"]
