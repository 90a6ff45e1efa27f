"""The bare hello-world apps in benchmarks/bare/<language>/, the floor the services are measured
against: the same framework and server settings as the generated service, and nothing else."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

BARE = Path(__file__).resolve().parent / "bare"


def bare_command(language: str, out: Path, build_env: Mapping[str, str]) -> list[str]:
    """Make the bare app of `language` ready in `out`; returns the argv that serves it on $HOST:$PORT.

    Python runs `python` from the PATH it is started with, which must be an environment with the
    generated project's fastapi and uvicorn (its venv). Go is built with `build_env`, which should
    carry the generated Dockerfile's build-stage ENV (CGO_ENABLED, GOTOOLCHAIN).
    """
    out.mkdir(parents=True, exist_ok=True)
    if language == "python":
        # A copy next to the binary or venv it runs with: the image's user may not read the checkout.
        shutil.copy2(BARE / "python" / "app.py", out / "app.py")
        return ["python", str(out / "app.py")]
    if language == "go":
        # The flags of the generated Dockerfile's `go build -trimpath -o bin/<slug> ./cmd/<slug>`.
        built = subprocess.run(
            ["go", "build", "-trimpath", "-o", str(out / "bare"), "."],
            cwd=BARE / "go", env=dict(build_env), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if built.returncode != 0:
            raise RuntimeError(f"go build of {BARE / 'go'} failed:\n{built.stderr}")
        return [str(out / "bare")]
    raise ValueError(f"no bare app for {language!r}: add benchmarks/bare/{language}/")
