"""Carry out a Dockerfile without a Docker daemon: a clean Debian root from debootstrap
stands in for `FROM debian:<suite>-slim`, and each COPY, RUN (in its SHELL), ENV, USER and
WORKDIR is done in a chroot of its own copy of it. Also the parsers of Dockerfiles and of
docker/compose.yaml that scripts/check_images.py and tests/unit/test_docker_packages.py share.
Stdlib only.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MIRROR = "http://deb.debian.org/debian"
# What the Docker Hub debian images configure (debootstrap writes only "<suite> main").
SOURCES = """Types: deb
URIs: {mirror}
Suites: {suite} {suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


# ---- parsers (shared with tests/unit/test_docker_packages.py) ----------------------------

def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(
        line for line in dockerfile.read_text().splitlines() if not line.lstrip().startswith("#")))
    return [(m.group(1).upper(), m.group(2).strip()) for m in
            re.finditer(r"^\s*([A-Za-z]+)\s+(.*)$", text, re.MULTILINE)]


def _strip_comment(line: str) -> str:
    quote = None
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text: str) -> object:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(item) for item in text[1:-1].split(",") if item.strip()]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def read_compose(path: Path) -> dict[str, object]:
    """The YAML subset docker/compose.yaml is written in: mappings by indentation, scalars,
    flow lists without nesting, block lists of scalars."""
    lines = [(len(s) - len(s.lstrip()), s.strip()) for s in
             (_strip_comment(raw) for raw in path.read_text().splitlines()) if s.strip()]
    top: dict[str, object] = {}
    stack: list[tuple[int, object]] = [(-1, top)]
    for n, (indent, body) in enumerate(lines):
        while stack[-1][0] >= indent and not (isinstance(stack[-1][1], list)
                                                and body.startswith("- ")):
            stack.pop()
        parent = stack[-1][1]
        if body.startswith("- "):
            assert isinstance(parent, list), f"{path}: list item outside a list: {body}"
            parent.append(_scalar(body[2:]))
            continue
        key, _, value = body.partition(":")
        assert isinstance(parent, dict), f"{path}: mapping inside a list: {body}"
        if value.strip():
            parent[key.strip()] = _scalar(value)
            continue
        child: object = [] if n + 1 < len(lines) and lines[n + 1][1].startswith("- ") else {}
        parent[key.strip()] = child
        stack.append((indent, child))
    return top


# ---- the chroot image builder ------------------------------------------------------------

def say(text: str) -> None:
    print(f"[check_images] {text}", flush=True)


def expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def ignored(context: Path) -> list[str]:
    path = context / ".dockerignore"
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")] if path.exists() else []


@dataclass
class Image:
    root: Path
    base: str = ""
    env: dict[str, str] = field(default_factory=lambda: {"PATH": DEFAULT_PATH, "HOME": "/root"})
    user: str = "root"
    workdir: str = "/"
    shell: list[str] = field(default_factory=lambda: ["/bin/sh", "-c"])
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)

    def argv(self, command: list[str], user: str | None = None,
             env: dict[str, str] | None = None) -> list[str]:
        """chroot + env -i + (setpriv to the user) + command, as `docker run` would start it."""
        who = user or self.user
        full = {**self.env, **(env or {})}
        if who not in ("root", "0"):
            uid, gid, full["HOME"] = self.account(who)
            command = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups", *command]
        script = f"cd {shlex.quote(self.workdir)} && exec " + shlex.join(command)
        return ["chroot", str(self.root), "/usr/bin/env", "-i",
                *(f"{k}={v}" for k, v in full.items()), "/bin/sh", "-c", script]

    def account(self, user: str) -> tuple[int, int, str]:
        """uid, gid and home of a user named as USER names it: login name or uid."""
        for line in (self.root / "etc" / "passwd").read_text().splitlines():
            fields = line.split(":")
            if user in (fields[0], fields[2]):
                return int(fields[2]), int(fields[3]), fields[5]
        raise SystemExit(f"no user {user} in {self.root}")

    def run(self, command: list[str], user: str | None = None,
            env: dict[str, str] | None = None) -> str:
        result = subprocess.run(self.argv(command, user, env), capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"FAILED ({result.returncode}) in {self.root.name}: "
                             f"{shlex.join(command)}\n{result.stdout[-3000:]}"
                             f"{result.stderr[-3000:]}")
        return result.stdout

    def copy(self, args: str, context: Path) -> None:
        *sources, dest = shlex.split(args)
        assert not any(s.startswith("--") for s in sources), f"COPY flags unsupported: {args}"
        target = self.root / expand(dest, self.env).lstrip("/")
        skip = shutil.ignore_patterns(*(p.removeprefix("**/") for p in ignored(context)))
        for source in sources:
            src = context / source
            if src.is_dir():
                shutil.copytree(src, target, ignore=skip, dirs_exist_ok=True)
            elif dest.endswith("/") or len(sources) > 1:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / src.name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target)


def remove_tree(path: Path) -> None:
    """rm -r, refused while anything is mounted below it (a bound /dev would go with it)."""
    mounted = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    inside = [m for m in mounted if m == str(path) or m.startswith(f"{path}/")]
    if inside:
        raise SystemExit(f"refusing to remove {path}: still mounted: {', '.join(inside)}")
    shutil.rmtree(path, ignore_errors=True)


def debootstrap(target: Path, suite: str) -> None:
    if (target / ".hrdpg-base").exists():
        say(f"reusing {target} (debootstrap {suite})")
        return
    remove_tree(target)
    say(f"debootstrap --variant=minbase {suite} {target}")
    subprocess.run(["debootstrap", "--variant=minbase", suite, str(target), MIRROR], check=True,
                   stdout=subprocess.DEVNULL)
    (target / "etc/apt/sources.list").unlink(missing_ok=True)
    (target / "etc/apt/sources.list.d/debian.sources").write_text(
        SOURCES.format(mirror=MIRROR, suite=suite))
    # As in the Docker Hub image: package scripts do not start services.
    policy = target / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    subprocess.run(["chroot", str(target), "apt-get", "clean"], check=True)
    (target / ".hrdpg-base").write_text(suite)


class Mounts:
    """/proc, /dev, /dev/pts and a private /dev/shm in each root while it runs."""

    def __init__(self) -> None:
        self.points: list[Path] = []

    def add(self, root: Path) -> None:
        for point, how in (("proc", ["-t", "proc", "proc"]), ("dev", ["--bind", "/dev"]),
                           ("dev/pts", ["--bind", "/dev/pts"]), ("dev/shm", ["-t", "tmpfs",
                                                                             "shm"])):
            path = root / point
            path.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", *how, str(path)], check=True)
            self.points.append(path)
        shutil.copy2("/etc/resolv.conf", root / "etc" / "resolv.conf")

    def release(self) -> None:
        for path in reversed(self.points):
            subprocess.run(["umount", "-l", str(path)], check=False)
        self.points.clear()


def configure(image: Image, kind: str, args: str) -> None:
    """An instruction that sets how the image runs, not what it holds."""
    if kind == "ENV":
        for token in shlex.split(args):
            key, _, value = token.partition("=")
            image.env[key] = expand(value, image.env)
    elif kind == "USER":
        image.user = args
    elif kind == "WORKDIR":
        image.workdir = args
    elif kind in ("SHELL", "ENTRYPOINT", "CMD"):
        setattr(image, kind.lower(), json.loads(args))
    elif kind not in ("EXPOSE", "STOPSIGNAL", "LABEL", "VOLUME"):
        raise SystemExit(f"{kind} is not supported by scripts/chroot_image.py")


def describe(dockerfile: Path) -> Image:
    """The image's base, environment, user and commands, without building it (tests)."""
    steps = instructions(dockerfile)
    image = Image(Path("/nonexistent"), base=steps[0][1])
    for kind, args in steps[1:]:
        if kind not in ("COPY", "RUN"):
            configure(image, kind, args)
    return image


HOST_CA = "etc/hrdpg-build-ca.crt"


def host_trust(root: Path) -> dict[str, str]:
    """The host's CA bundle for RUN's downloads, when its egress needs one (a TLS-inspecting
    proxy), as `docker build` would get it from the daemon's host: removed after the build."""
    bundle = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    if not bundle or not Path(bundle).is_file():
        return {}
    shutil.copy2(bundle, root / HOST_CA)
    return {name: f"/{HOST_CA}" for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")}


def build(dockerfile: Path, base: Path, root: Path, mounts: Mounts) -> Image:
    """Carry out the Dockerfile's instructions in a copy of the base root."""
    started = time.perf_counter()
    steps = instructions(dockerfile)
    kind, source = steps[0]
    match = re.fullmatch(r"debian:(\w+)(-slim)?", source)
    assert kind == "FROM" and match, f"{dockerfile.name}: FROM {source} is not a Debian image"
    debootstrap(base, match.group(1))
    remove_tree(root)
    subprocess.run(["cp", "-a", str(base), str(root)], check=True)
    mounts.add(root)
    image = Image(root, base=source)
    build_env = host_trust(root)
    for kind, args in steps[1:]:
        if kind == "COPY":
            image.copy(args, ROOT)
        elif kind == "RUN":
            step = time.perf_counter()
            image.run([*image.shell, args], env=build_env)
            say(f"{dockerfile.name}: RUN {args[:70]}{'...' if len(args) > 70 else ''} "
                f"({time.perf_counter() - step:.0f} s)")
        else:
            configure(image, kind, args)
    (root / HOST_CA).unlink(missing_ok=True)
    say(f"{dockerfile.name}: built in {time.perf_counter() - started:.0f} s")
    return image
