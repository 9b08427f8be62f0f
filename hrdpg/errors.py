"""Errors that carry a message meant for the person at the terminal."""

from __future__ import annotations

import re

import psycopg

# PL/Python prefixes an error raised inside the engine with the Python class it travelled as.
PYTHON_PREFIX = re.compile(r"^(spiexceptions\.\w+|plpy\.\w+|[A-Z]\w*(Error|Exception)): ")


class HrdpgError(Exception):
    """A failure the user can act on; the CLI prints the message without a traceback."""


def server_message(exc: psycopg.Error) -> str:
    """The server's one-line message and hint, without PL/Python's class prefix."""
    diag = exc.diag
    text = (diag.message_primary or str(exc).strip().splitlines()[0]).strip()
    while PYTHON_PREFIX.match(text):
        text = PYTHON_PREFIX.sub("", text, count=1)
    hint = f" Hint: {diag.message_hint}" if diag.message_hint else ""
    return f"{text}.{hint}" if not text.endswith(".") else f"{text}{hint}"
