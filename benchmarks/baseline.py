"""The bare hello-world apps in benchmarks/bare/<language>/, the floor the services are measured
against: the same framework and server settings as the generated service, and nothing else."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import httpx

from tests.helpers.dockerfile import stage_env
from tests.helpers.facts import CONTRACT, naming

BARE = Path(__file__).resolve().parent / "bare"
GO_BUILD_FLAGS = ["-trimpath"]
# The default project's resource list, which bare answers too: at LIST with a constant page, and
# at DATABASE_LIST with the page read from the service's database.
PLURAL = naming.pluralize("note")
LIST = f"{CONTRACT['api_prefix']}/{PLURAL}"
DATABASE_LIST = f"/database/{PLURAL}"


def seed(base: str, count: int) -> None:
    """Register a user at the service on `base` and create `count` notes, named `item <n>`."""
    credentials = {"email": "bench@example.com", "password": "benchmark-password"}
    httpx.post(f"{base}{CONTRACT['api_prefix']}/auth/register", json=credentials).raise_for_status()
    token = httpx.post(f"{base}{CONTRACT['api_prefix']}/auth/token", json=credentials).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for index in range(count):
        httpx.post(f"{base}{LIST}", json={"name": f"item {index}"}, headers=headers).raise_for_status()


def bare_command(language: str, project: Path, out: Path, env: Mapping[str, str]) -> list[str]:
    """Make the bare app of `language` ready in `out`, built the way the generated `project`'s
    Dockerfile builds the service (with `env` for the machine's toolchain); returns the argv that
    serves it on $HOST:$PORT.

    Python runs `python` from the PATH it is started with, which must be the generated project's
    environment (its fastapi and uvicorn), so bare needs no lockfile of its own.
    """
    out.mkdir(parents=True, exist_ok=True)
    if language == "python":
        # A copy beside the image it runs in: the image's user may not be able to read the checkout.
        shutil.copy2(BARE / "python" / "app.py", out / "app.py")
        return ["python", str(out / "app.py")]
    if language == "go":
        # The flags of the Dockerfile's `go build -trimpath -o bin/<slug> ./cmd/<slug>`, under its
        # build stage's ENV (CGO_ENABLED, GOTOOLCHAIN); tests/test_benchmarks.py checks they agree.
        built = subprocess.run(
            ["go", "build", *GO_BUILD_FLAGS, "-o", str(out / "bare"), "."], cwd=BARE / "go",
            env={**env, **stage_env(project / "Dockerfile")}, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if built.returncode != 0:
            raise RuntimeError(f"go build of {BARE / 'go'} failed:\n{built.stderr}")
        return [str(out / "bare")]
    raise ValueError(f"no bare app for {language!r}: add benchmarks/bare/{language}/")
