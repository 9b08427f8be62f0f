"""Check that the docs point at things that exist: relative links (and their #anchors), repository
paths written in backticks, and `hrdpg GROUP ACTION` commands (against the CLI's own --help).

    .venv/bin/python scripts/check_docs.py [FILE.md ...]   (default: README, CHANGELOG, docs, bench)

Prints one line per broken reference and exits 1 if there is any.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ["README.md", "CHANGELOG.md", "bench/RESULTS.md", "docker/README.md", "docs/*.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\n]+)`")
TOP_DIRS = ("alembic/", "bench/", "docker/", "docs/", "hrdpg/", "plpython/", "scripts/", "sql/",
            "tests/")
# Placeholders in example paths, not files: wildcards, <name>, 20YY.
PLACEHOLDER = re.compile(r"[*<>{}]|YY|\.\.\.")
HRDPG = ROOT / ".venv" / "bin" / "hrdpg"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in path.read_text().splitlines()
            if line.startswith("#")}


@cache
def actions(group: str) -> set[str] | None:
    """The sub-commands `hrdpg GROUP --help` lists (None: GROUP itself does not exist)."""
    done = subprocess.run([str(HRDPG), group, "--help"], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        return None
    return set(re.findall(r"^    ([a-z][\w-]*)", done.stdout, flags=re.MULTILINE))


def check_link(doc: Path, target: str) -> str | None:
    if re.match(r"[a-z]+:", target):
        return None  # http(s), mailto: not checked offline
    file_part, _, anchor = target.partition("#")
    path = (doc.parent / file_part).resolve() if file_part else doc
    if not path.exists():
        return f"link {target}: no such file"
    if anchor and path.suffix == ".md" and anchor not in anchors(path):
        return f"link {target}: no heading #{anchor}"
    return None


def check_code(doc: Path, code: str) -> str | None:
    words = code.split()
    if words and words[0] in ("hrdpg", ".venv/bin/hrdpg") and len(words) > 1 and HRDPG.exists():
        group = words[1]
        if group.startswith("-"):
            return None
        known = actions(group)
        if known is None:
            return f"command `{code}`: no `hrdpg {group}`"
        # `a|b|c` (escaped as a\|b in tables) or `a/b` list several actions
        spelled = words[2].replace("\\|", "|").replace("/", "|") if len(words) > 2 else ""
        wanted = spelled.split("|") if spelled[:1].islower() else []
        missing = [w for w in wanted if known and w not in known]
        return f"command `{code}`: no action {', '.join(missing)}" if missing else None
    for token in words:
        token = token.strip("(),;:")
        if (token.startswith(TOP_DIRS) and "." in token and not PLACEHOLDER.search(token)
                and not (ROOT / token.split("::")[0]).exists()):
            return f"path {token}: no such file"
    return None


def problems(doc: Path) -> list[str]:
    text = doc.read_text()
    found = [check_link(doc, m) for m in LINK.findall(text)]
    found += [check_code(doc, m) for m in CODE.findall(text)]
    return [f"{doc.relative_to(ROOT)}: {p}" for p in found if p]


def main() -> None:
    patterns = sys.argv[1:] or DEFAULT
    docs = sorted({p.resolve() for pat in patterns for p in ROOT.glob(pat)})
    found = [line for doc in docs for line in problems(doc)]
    print("\n".join(found) if found else f"{len(docs)} files: every link, path and command exists")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
