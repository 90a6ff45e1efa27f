"""Cold start and throughput of each enabled stack's generated service, as its image runs it,
against a bare hello-world in the same framework (benchmarks/bare/<language>/) in the same run.

For every enabled language: render the defaults, play the Dockerfile's stages on this machine
(tests/helpers/dockerfile.py, no Docker engine), build the bare app the same way, run both as the
image's user with the image's environment, then, bare and service taking turns within each run so
that drift in the machine's load falls on both:
- cold start: median time from spawning the process to the first 200 from the readiness path;
- requests/s: median of wrk runs against the health path and the resource list (the service
  seeded with 50 items, limit=20) on loopback. The list has two floors: bare's constant page of 20
  of the same shape (a hello-world), and bare reading that page from the service's database with
  the service's two queries and driver (what any list must do; the service's SQLite file, named
  absolutely in DATABASE_URL for both). The health path is also measured on the service with its
  access log off (LOG_LEVEL=warning), which parts the contract's one log line per request from the
  template's other work.
The ratio is the service's speed as a fraction of bare's: the overhead the template adds.
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
from dataclasses import dataclass
from pathlib import Path

import httpx
from copier import run_copy
from report import Report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baseline import DATABASE_LIST, LIST, bare_command, seed

from tests.helpers.dockerfile import emulate, host_build_env
from tests.helpers.facts import CONTRACT, DATABASES, ENABLED_LANGUAGES, TEMPLATE_ROOT, facts_for
from tests.helpers.service import free_port

SLUG = "bench-service"
TARGET = 0.9  # the service's speed as a fraction of bare's, at least


@dataclass
class Server:
    """One process to measure: a generated service or its bare floor."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.env[CONTRACT['env']['port']]}"

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, started: float, process: subprocess.Popen) -> float:
        """Seconds from `started` to the first 200 from the readiness path."""
        while time.perf_counter() - started < 60:
            if process.poll() is not None:
                raise SystemExit(f"{self.argv} exited with {process.returncode} before it was ready")
            try:
                if httpx.get(self.base + CONTRACT["readiness_path"], timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.005)
        raise SystemExit(f"{self.argv} did not become ready within 60 s")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _cold_start_seconds(server: Server) -> float:
    started = time.perf_counter()
    process = server.start()
    try:
        return server.wait_ready(started, process)
    finally:
        _stop(process)


def _wrk_requests_per_second(url: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in out:  # errors answer faster than the real thing: their rate is no figure
        raise SystemExit(f"{url} answered errors under load:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _shape(url: str) -> tuple[list[str], list[str], int]:
    """Page keys, item keys and item count of a list answer."""
    page = httpx.get(url).raise_for_status().json()
    return sorted(page), sorted(page["items"][0]), len(page["items"])


def _servers(language: str, work: Path) -> dict[str, Server]:
    """The generated service as its image runs it, and the bare app run the same way."""
    project = work / "project"
    run_copy(str(TEMPLATE_ROOT), project, data={"language": language, "project_slug": SLUG},
             defaults=True, unsafe=True, quiet=True, vcs_ref="HEAD")  # fmt: skip
    stack = facts_for(language, SLUG)
    build_env = host_build_env()
    image = emulate(project / "Dockerfile", project, work / "image", stack["docker"]["workdir"], build_env)
    database = image.workdir / DATABASES["sqlite"]["default_url"].removeprefix("sqlite:///")
    env = {
        **image.env,
        CONTRACT["env"]["host"]: "127.0.0.1",
        CONTRACT["env"]["jwt_secret"]: secrets.token_urlsafe(48),
        CONTRACT["env"]["database_url"]: f"sqlite:///{database}",
    }
    bare = bare_command(language, project, work / "bare", build_env)
    # Free ports for each: the image's own PORT may be taken on this machine (by a test run, say).
    port = CONTRACT["env"]["port"]
    quiet = {CONTRACT["env"]["log_level"]: "warning"}
    return {
        "service": Server(image.command(image.cmd), {**env, port: str(free_port())}, image.workdir),
        QUIET: Server(image.command(image.cmd), {**env, **quiet, port: str(free_port())}, image.workdir),
        "bare": Server(image.command(bare), {**env, port: str(free_port())}, work / "bare"),
    }


# The service with the access log off (LOG_LEVEL=warning): not the service as shipped, which logs
# every request, but what measures the contract's access line apart from the template's other work.
QUIET = "service, no access log"
# Each run measures bare, then the service, back to back: a change in the machine's load from one
# run to the next falls on both.
ORDER = ("bare", "service")
HEALTH = CONTRACT["health_path"]
PAGE = "?limit=20"
# What each run loads in turn, for each requests/s figure: {sample: (server, path)}. The list has
# two floors: bare's constant page, and bare's page read from the service's database.
LOADS = {
    "healthz": {"bare": ("bare", HEALTH), "service": ("service", HEALTH), QUIET: (QUIET, HEALTH)},
    "list": {
        "bare": ("bare", LIST + PAGE),
        "bare + SQL": ("bare", DATABASE_LIST + PAGE),
        "service": ("service", LIST + PAGE),
    },
}
# The report's rows: a sample's median against a floor's, for each (figure, sample, floor).
ROWS = {
    ("cold_start", "service", "bare"): "cold start",
    ("healthz", "service", "bare"): f"GET {HEALTH}",
    ("healthz", QUIET, "bare"): f"GET {HEALTH}, no access log",
    ("list", "service", "bare"): "GET list (20)",
    ("list", "service", "bare + SQL"): "GET list (20), bare + SQL",
}


def bench(language: str, runs: int, seconds: int) -> dict[str, dict[str, list[float]]]:
    """Each figure's samples, run by run: {figure: {"service": [x1, ...], "bare": [y1, ...], ...}}."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-{language}-", dir="/tmp"))
    work.chmod(0o755)
    samples: dict[str, dict[str, list[float]]] = {
        "cold_start": {name: [] for name in ORDER},
        **{figure: {sample: [] for sample in loads} for figure, loads in LOADS.items()},
    }
    try:
        servers = _servers(language, work)
        for _ in range(runs):
            for name in ORDER:
                samples["cold_start"][name].append(_cold_start_seconds(servers[name]) * 1000)
        processes = {}
        try:
            for name, server in servers.items():
                processes[name] = server.start()
                server.wait_ready(time.perf_counter(), processes[name])
            seed(servers["service"].base, 50)
            shape = _shape(servers["service"].base + LIST + PAGE)
            for server, path in LOADS["list"].values():
                if _shape(servers[server].base + path) != shape:
                    raise SystemExit(
                        f"{server}'s {path} is not the service's list (page keys, item keys, count)"
                    )
            for figure, loads in LOADS.items():
                for _ in range(runs):
                    for sample, (server, path) in loads.items():
                        rps = _wrk_requests_per_second(servers[server].base + path, seconds)
                        samples[figure][sample].append(rps)
        finally:
            for process in processes.values():
                _stop(process)
        return samples
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ratio(figure: str, service: float, floor: float) -> float:
    """The service's speed as a fraction of the floor's: fewer requests/s, or a longer start, is below 1."""
    if figure == "cold_start":
        return floor / service
    return service / floor


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
        f"median of {args.runs} runs, bare and service taking turns; wrk -t2 -c32 for {args.seconds}s "
        f"each, loopback, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start"
    )
    report.line(
        f"ratio: the service's speed as a fraction of bare's (requests/s service/bare; cold start "
        f"bare/service) from the medians; target at least {TARGET}, '<' marks a miss; runs: the "
        f"lowest and highest ratio within one run (each run takes every sample in turn)"
    )
    width = max(map(len, ROWS.values()))
    report.line(f"{'stack':8} {'figure':{width}} {'service':>12} {'bare':>12} {'ratio':>6}   {'runs':>9}")
    for language in args.languages:
        figures = bench(language, args.runs, args.seconds)
        for (figure, sample, floor), label in ROWS.items():
            services, bares = figures[figure][sample], figures[figure][floor]
            service, bare = statistics.median(services), statistics.median(bares)
            unit = "ms" if figure == "cold_start" else "r/s"
            ratio = _ratio(figure, service, bare)
            paired = [_ratio(figure, s, b) for s, b in zip(services, bares, strict=True)]
            report.line(
                f"{language:8} {label:{width}} {service:8.0f} {unit:3} {bare:8.0f} {unit:3} "
                f"{ratio:6.2f}{' <' if ratio < TARGET else '  '} {min(paired):4.2f}-{max(paired):4.2f}"
            )
    report.line(f"load average {os.getloadavg()[0]:.2f} at the end")
    report.close()


if __name__ == "__main__":
    main()
