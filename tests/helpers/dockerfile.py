"""Dockerfile parsing, and running a Dockerfile's stages on this machine without a Docker engine.

There is no Docker engine here, so `emulate` plays an image's stages on the host: the build
stage's RUN steps really run (against the machine's toolchain instead of the base image), the
runtime stage gets only what its `COPY --from=<stage>` lines copy, and the image's CMD then runs
as the image's USER (by uid:gid, with setpriv), with the image's ENV, from its WORKDIR. Paths
under the facts' workdir are moved under a temporary root; tools copied in from other images
must be on PATH. RUN steps of the runtime stage change the system (users, groups), so they are
not run: the directories they `mkdir -p` are created and given to the runtime user instead.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.tools import require


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; comments dropped, continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    assert not pending, f"{path}: a continuation line runs past the end of the file"
    return instructions


def dockerfile_stages(path: Path) -> list[dict]:
    """One dict per stage: {'from': image, 'name': alias, 'instructions': [...]}."""
    stages: list[dict] = []
    for keyword, args in dockerfile_instructions(path):
        if keyword == "FROM":
            parts = args.split()
            parts = [p for p in parts if not p.startswith("--")]
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append({"from": parts[0], "name": name, "instructions": []})
        else:
            assert stages, f"{path}: {keyword} before the first FROM"
            stages[-1]["instructions"].append((keyword, args))
    return stages


def env_pairs(args: str) -> dict[str, str]:
    """ENV key=value [key=value ...] (the only form the template writes)."""
    pairs = {}
    for token in shlex.split(args):
        key, sep, value = token.partition("=")
        assert sep, f"ENV {args!r}: use the key=value form"
        pairs[key] = value
    return pairs


def stage_env(path: Path, index: int = 0) -> dict[str, str]:
    """The ENV a stage sets (the first, the build stage, by default), unexpanded."""
    return {
        key: value
        for keyword, args in dockerfile_stages(path)[index]["instructions"]
        if keyword == "ENV"
        for key, value in env_pairs(args).items()
    }


def healthcheck_command(args: str) -> list[str]:
    """The exec-form command of `HEALTHCHECK [--options] CMD [...]`."""
    _options, sep, command = args.partition("CMD ")
    assert sep, f"HEALTHCHECK {args!r} has no CMD"
    return json.loads(command)


@dataclass
class Image:
    """What the emulated runtime stage ends with."""

    root: Path
    workdir: Path
    env: dict[str, str]
    user: tuple[int, int] | None
    cmd: list[str]
    healthcheck: list[str]
    expose: list[str]
    stopsignal: str = "SIGTERM"
    # Directories the runtime stage's RUN steps create for the runtime user.
    writable: list[Path] = field(default_factory=list)

    def command(self, argv: list[str]) -> list[str]:
        """argv run as the image's user."""
        if self.user is None:
            return argv
        uid, gid = self.user
        return [require("setpriv"), f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *argv]


def _ignored(relative: str, patterns: list[str]) -> bool:
    """A simplified .dockerignore match: globs, `**/` prefixes and directory patterns."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        candidates = [pattern, pattern.removeprefix("**/")] if pattern.startswith("**/") else [pattern]
        parts = relative.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        tails = ["/".join(parts[i:]) for i in range(len(parts))] if pattern.startswith("**/") else []
        if any(fnmatch.fnmatch(text, cand) for cand in candidates for text in prefixes + tails):
            ignored = not negate
    return ignored


def _context_files(context: Path) -> list[str]:
    ignore = context / ".dockerignore"
    patterns = [
        line.strip()
        for line in (ignore.read_text().splitlines() if ignore.exists() else [])
        if line.strip() and not line.startswith("#")
    ]
    files = []
    for path in sorted(context.rglob("*")):
        relative = path.relative_to(context).as_posix()
        if path.is_file() and not _ignored(relative, patterns):
            files.append(relative)
    return files


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), os.environ.get(m.group(1), "")), value)


def _chown_tree(path: Path, owner: tuple[int, int] | None) -> None:
    if owner is None:
        return
    for item in [path, *path.rglob("*")]:
        os.chown(item, *owner, follow_symlinks=False)


def _owner(spec: str | None) -> tuple[int, int] | None:
    if not spec:
        return None
    uid, _, gid = spec.partition(":")
    assert uid.isdigit() and gid.isdigit(), f"emulation needs a numeric uid:gid, got {spec!r}"
    return int(uid), int(gid)


def emulate(dockerfile: Path, context: Path, root: Path, workdir: str, host_env: dict[str, str]) -> Image:
    """Play every stage of `dockerfile`; returns the final stage as an Image ready to run."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    stage_roots: dict[str, Path] = {}
    files = _context_files(context)
    image: Image | None = None
    stages = dockerfile_stages(dockerfile)
    for index, stage in enumerate(stages):
        final = index == len(stages) - 1
        stage_root = root / (stage["name"] or f"stage{index}")
        stage_roots[stage["name"] or str(index)] = stage_root

        def host(path: str, stage_root: Path = stage_root) -> str:
            # Container paths under the workdir live under this stage's root.
            return path.replace(workdir, str(stage_root) + workdir)

        cwd = Path(host(workdir))
        env: dict[str, str] = {}
        image = Image(stage_root, cwd, env, None, [], [], [])
        for keyword, args in stage["instructions"]:
            if keyword == "WORKDIR":
                cwd = Path(host(args))
                cwd.mkdir(parents=True, exist_ok=True)
                image.workdir = cwd
            elif keyword == "ENV":
                for key, value in env_pairs(args).items():
                    env[key] = _expand(host(value), {**host_env, **env})
            elif keyword == "COPY":
                tokens = shlex.split(args)
                options = {t.split("=", 1)[0]: t.split("=", 1)[1] for t in tokens if t.startswith("--")}
                *sources, destination = [t for t in tokens if not t.startswith("--")]
                source_stage = options.get("--from")
                if source_stage and source_stage not in stage_roots:
                    for source in sources:  # a tool from another image: use the machine's own
                        require(Path(source).name)
                    continue
                target = Path(host(destination)) if destination.startswith("/") else cwd / destination
                if source_stage:
                    for source in sources:
                        origin = Path(str(stage_roots[source_stage]) + source)
                        shutil.copytree(origin, Path(host(source)), symlinks=True, dirs_exist_ok=True)
                        _chown_tree(Path(host(source)), _owner(options.get("--chown")))
                    continue
                for source in sources:
                    chosen = files if source == "." else [f for f in files if f == source]
                    assert chosen, f"COPY {source}: not in the build context (or .dockerignore drops it)"
                    for relative in chosen:
                        out = target / relative if source == "." else target / Path(relative).name
                        out.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(context / relative, out)
            elif keyword == "RUN":
                command = re.sub(r"^(--\S+\s+)+", "", args)
                if final:
                    for segment in command.split("&&"):
                        words = shlex.split(segment)
                        if words[:2] == ["mkdir", "-p"]:
                            for directory in words[2:]:
                                Path(host(directory)).mkdir(parents=True, exist_ok=True)
                                image.writable.append(Path(host(directory)))
                    continue
                result = subprocess.run(
                    command,
                    shell=True,
                    cwd=cwd,
                    env={**host_env, **env},
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert result.returncode == 0, (
                    f"RUN {command} failed:\n{result.stdout[-4000:]}{result.stderr[-4000:]}"
                )
            elif keyword == "USER":
                image.user = _owner(args)
            elif keyword == "EXPOSE":
                image.expose = args.split()
            elif keyword == "HEALTHCHECK":
                image.healthcheck = [host(part) for part in healthcheck_command(args)]
            elif keyword == "CMD":
                image.cmd = [host(part) for part in json.loads(args)]
            elif keyword == "STOPSIGNAL":
                image.stopsignal = args
    assert image is not None, "no stage"
    for directory in image.writable:
        _chown_tree(directory, image.user)
    return image


def host_build_env() -> dict[str, str]:
    """Build on system paths only, so the non-root runtime user can read every interpreter and tool."""
    tools = {str(Path(require(tool)).parent) for tool in ("go", "uv")}
    path = ":".join(["/usr/local/bin", "/usr/bin", "/bin", *sorted(tools)])
    keep = {
        key: os.environ[key]
        # The CA bundle too: where a TLS-inspecting proxy stands before the package registries,
        # uv and go fetch through it only when they trust its certificate.
        for key in ("HOME", "LANG", "GOPATH", "GOMODCACHE", "GOCACHE", "SSL_CERT_FILE", "SSL_CERT_DIR")
        if key in os.environ
    }
    # The image's interpreter must be one the runtime user can read: pyenv's lives under /root,
    # and uv would prefer it, so point uv (ignored by other stacks) at the system one.
    system_python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or "python3"
    return {**keep, "PATH": path, "UV_PYTHON_DOWNLOADS": "never", "UV_PYTHON": system_python}
