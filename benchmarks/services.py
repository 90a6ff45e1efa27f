"""Cold start and throughput of each enabled stack's generated service, as its image runs it.

For every enabled language: render the defaults, play the Dockerfile's stages on this machine
(tests/helpers/dockerfile.py, no Docker engine), then
- cold start: median time from spawning the image's CMD to the first 200 from the readiness path;
- requests/s: median of wrk runs against the health path and the resource list (50 items,
  limit=20) on loopback.
Needs wrk (apt-get install wrk). Run: uv run --frozen python benchmarks/services.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from copier import run_copy
from report import Report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.dockerfile import Image, emulate, host_build_env
from tests.helpers.facts import CONTRACT, ENABLED_LANGUAGES, TEMPLATE_ROOT, facts_for, naming

SLUG = "bench-service"


def _start(image: Image, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        image.command(image.cmd), cwd=image.workdir, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _cold_start_seconds(image: Image, env: dict[str, str], base: str) -> float:
    started = time.perf_counter()
    process = _start(image, env)
    try:
        while time.perf_counter() - started < 60:
            try:
                if httpx.get(base + CONTRACT["readiness_path"], timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.005)
        raise SystemExit("the service did not become ready within 60 s")
    finally:
        _stop(process)


def _wrk_requests_per_second(url: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _seed(base: str, plural: str) -> None:
    credentials = {"email": "bench@example.com", "password": "benchmark-password"}
    httpx.post(f"{base}{CONTRACT['api_prefix']}/auth/register", json=credentials).raise_for_status()
    token = httpx.post(f"{base}{CONTRACT['api_prefix']}/auth/token", json=credentials).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for index in range(50):
        httpx.post(
            f"{base}{CONTRACT['api_prefix']}/{plural}", json={"name": f"item {index}"}, headers=headers
        ).raise_for_status()


def bench(language: str, runs: int, seconds: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix=f"bench-{language}-", dir="/tmp"))
    work.chmod(0o755)
    try:
        project = work / "project"
        run_copy(str(TEMPLATE_ROOT), project, data={"language": language, "project_slug": SLUG},
                 defaults=True, unsafe=True, quiet=True, vcs_ref="HEAD")  # fmt: skip
        stack = facts_for(language, SLUG)
        image = emulate(
            project / "Dockerfile", project, work / "image", stack["docker"]["workdir"], host_build_env()
        )
        port = image.env[CONTRACT["env"]["port"]]
        env = {
            **image.env,
            CONTRACT["env"]["host"]: "127.0.0.1",
            CONTRACT["env"]["jwt_secret"]: secrets.token_urlsafe(48),
        }
        base = f"http://127.0.0.1:{port}"
        cold = statistics.median(_cold_start_seconds(image, env, base) for _ in range(runs))
        process = _start(image, env)
        try:
            while True:
                try:
                    if httpx.get(base + CONTRACT["readiness_path"]).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            _seed(base, naming.pluralize("note"))
            health = statistics.median(
                _wrk_requests_per_second(base + CONTRACT["health_path"], seconds) for _ in range(runs)
            )
            listing = statistics.median(
                _wrk_requests_per_second(f"{base}{CONTRACT['api_prefix']}/notes?limit=20", seconds)
                for _ in range(runs)
            )
        finally:
            _stop(process)
        return {"cold_start_ms": cold * 1000, "healthz_rps": health, "list_rps": listing}
    finally:
        shutil.rmtree(work, ignore_errors=True)


NAME = "services"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions per figure (median reported)")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("languages", nargs="*", default=ENABLED_LANGUAGES)
    parser.add_argument("--record", action="store_true", help=f"also write benchmarks/results/{NAME}.txt")
    args = parser.parse_args()
    report = Report(NAME, args.record)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required: apt-get install wrk")
    report.line(
        f"median of {args.runs} runs; wrk -t2 -c32 for {args.seconds}s each, loopback, {os.cpu_count()} cores"
    )
    report.line(f"{'stack':10} {'cold start':>12} {'GET /healthz':>16} {'GET list (20)':>16}")
    for language in args.languages:
        figures = bench(language, args.runs, args.seconds)
        report.line(
            f"{language:10} {figures['cold_start_ms']:9.0f} ms {figures['healthz_rps']:12.0f} r/s "
            f"{figures['list_rps']:12.0f} r/s"
        )
    report.close()


if __name__ == "__main__":
    main()
