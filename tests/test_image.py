"""The Dockerfile agrees with the service: its stages, played on this machine, give an image that runs.

No Docker engine is available, so tests/helpers/dockerfile.py plays the stages on the host: the
build stage's RUN steps run for real, the runtime stage holds only the artifacts it copies, and
the service starts from the image's CMD as the image's non-root USER, with the image's ENV and
WORKDIR. Its HEALTHCHECK must pass, its EXPOSEd port must answer the probes, and SIGTERM (the
STOPSIGNAL) must stop it cleanly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.helpers.dockerfile import emulate, host_build_env
from tests.helpers.facts import CONTRACT, ENABLED_LANGUAGES, facts_for, options_for
from tests.helpers.service import fixed_ports
from tests.helpers.tools import require

pytestmark = pytest.mark.e2e

SLUG = "backend-roadmap-service"


@pytest.fixture
def image_root():
    # Not pytest's tmp_path: the runtime user must be able to traverse it.
    root = Path(tempfile.mkdtemp(prefix="image-", dir="/tmp"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _started(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """The image's process, its output in `log`; killed with its children if the test leaves it running."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# Every language on the defaults, and each other API style a language implements (its listeners and
# generated code must reach the image too).
VARIANTS = [(language, "rest") for language in ENABLED_LANGUAGES] + [
    (language, style)
    for language in ENABLED_LANGUAGES
    for style in options_for(language, "api_style")
    if style != "rest"
]


@pytest.mark.parametrize(
    ("language", "api_style"),
    VARIANTS,
    ids=[language if style == "rest" else f"{language}-{style}" for language, style in VARIANTS],
)
def test_image_built_from_the_dockerfile_serves_the_contract_probes(render, language, api_style, image_root):
    answers = (
        {"language": language} if api_style == "rest" else {"language": language, "api_style": api_style}
    )
    project = render(**answers)
    stack = facts_for(language, SLUG, api_style)
    image = emulate(project / "Dockerfile", project, image_root, stack["docker"]["workdir"], host_build_env())

    context_files = {path.name for path in project.rglob("*") if path.is_file()}
    leaked = [
        path
        for path in image.root.rglob("*")
        if path.is_file() and path.name in {"Dockerfile", stack["paths"]["manifest"]}
    ]
    assert not leaked, f"the runtime stage holds build inputs: {leaked}"
    assert context_files, "empty project"

    port = image.env[CONTRACT["env"]["port"]]
    extra_ports = [image.env[extra["env"]] for extra in stack["extra_ports"]]
    assert image.expose == [port, *extra_ports], (
        "the image EXPOSEs the ports its ENV makes the service listen on"
    )
    assert image.user is not None and image.user[0] != 0, "the image runs as a non-root user"

    env = {
        **image.env,
        CONTRACT["env"]["host"]: "127.0.0.1",  # tests keep servers on loopback
        CONTRACT["env"]["jwt_secret"]: secrets.token_urlsafe(48),
    }
    log = image.root / "service.log"
    with (
        fixed_ports(int(port), *map(int, extra_ports)),
        _started(image.command(image.cmd), image.workdir, env, log) as process,
    ):
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and process.poll() is None:
            check = subprocess.run(
                image.command(image.healthcheck),
                cwd=image.workdir,
                env=env,
                capture_output=True,
                check=False,
            )
            if check.returncode == 0:
                healthy = True
                break
            time.sleep(0.5)
        assert healthy, f"the image's HEALTHCHECK never passed:\n{log.read_text()[-4000:]}"
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + CONTRACT["health_path"]).status_code == 200
        ready = httpx.get(base + CONTRACT["readiness_path"])
        assert ready.status_code == 200, f"readiness in the image: {ready.text}\n{log.read_text()[-4000:]}"
        assert CONTRACT["metric_requests"] in httpx.get(base + CONTRACT["metrics_path"]).text
        if api_style == "grpc":  # the code generated in the build stage serves in the runtime stage
            with grpc.insecure_channel(f"127.0.0.1:{image.env[CONTRACT['env']['grpc_port']]}") as channel:
                health = health_pb2_grpc.HealthStub(channel)
                response = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert response.status == health_pb2.HealthCheckResponse.SERVING

        process.send_signal(getattr(signal, image.stopsignal))
        assert process.wait(timeout=CONTRACT["shutdown_grace_seconds"]) == 0, log.read_text()[-4000:]


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_image_runs_under_the_kubernetes_pod_spec(render, language, image_root):
    """The image as deploy/kubernetes runs it: the Deployment's uid, gid and fsGroup, nothing in the
    image writable (readOnlyRootFilesystem), only its volumes writable, the ConfigMap's env plus the
    Secret's keys; the probes' paths answer on the probes' port, the annotated path serves metrics,
    and SIGTERM stops it within the grace period.

    Emulated without an engine: the image tree is made root-owned and read-only, which a process
    without capabilities cannot write through, and `/tmp` is a directory of its own via TMPDIR."""
    project = render(language=language, kubernetes=True)
    directory = project / "deploy/kubernetes"
    deployment = yaml.safe_load((directory / "deployment.yaml").read_text(encoding="utf-8"))
    settings = yaml.safe_load((directory / "configmap.yaml").read_text(encoding="utf-8"))["data"]
    pod = deployment["spec"]["template"]
    spec = pod["spec"]
    (container,) = spec["containers"]
    stack = facts_for(language, SLUG)
    image = emulate(project / "Dockerfile", project, image_root, stack["docker"]["workdir"], host_build_env())

    for path in [image.root, *image.root.rglob("*")]:
        os.chown(path, 0, 0, follow_symlinks=False)
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)
    security = spec["securityContext"]
    uid, gid, group = security["runAsUser"], security["runAsGroup"], security["fsGroup"]
    volumes = {}
    for mount in container["volumeMounts"]:
        # A volume the kubelet gives the fsGroup: group-owned, group-writable, setgid.
        volume = image_root.parent / f"{image_root.name}-{mount['name']}"
        volume.mkdir(mode=0o2770)
        os.chown(volume, 0, group)
        volume.chmod(0o2770)
        volumes[mount["mountPath"]] = volume
    workdir = stack["docker"]["workdir"]
    mounted_in_workdir = {path: volume for path, volume in volumes.items() if path.startswith(workdir + "/")}
    for path, volume in mounted_in_workdir.items():
        target = image.root / path.lstrip("/")
        shutil.rmtree(target, ignore_errors=True)
        target.parent.chmod(target.parent.stat().st_mode | 0o200)
        target.symlink_to(volume)
        target.parent.chmod(target.parent.stat().st_mode & ~0o222)

    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    env = {
        **image.env,
        **{key: str(value) for key, value in settings.items()},
        **{entry["name"]: secrets.token_urlsafe(48) for entry in container.get("env", [])},
        CONTRACT["env"]["host"]: "127.0.0.1",  # tests keep servers on loopback
        "TMPDIR": str(volumes["/tmp"]),
    }
    command = [
        require("setpriv"),
        f"--reuid={uid}",
        f"--regid={gid}",
        f"--groups={group}",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        *image.cmd,
    ]
    log = image_root.parent / f"{image_root.name}-service.log"
    try:
        with fixed_ports(*ports.values()), _started(command, image.workdir, env, log) as process:
            startup = container["startupProbe"]
            base = f"http://127.0.0.1:{ports[startup['httpGet']['port']]}"
            deadline = time.monotonic() + startup["periodSeconds"] * startup["failureThreshold"]
            started = False
            while time.monotonic() < deadline and process.poll() is None and not started:
                try:
                    started = httpx.get(base + startup["httpGet"]["path"]).status_code == 200
                except httpx.TransportError:
                    started = False
                if not started:
                    time.sleep(0.5)
            assert started, f"the startup probe never passed:\n{log.read_text()[-4000:]}"
            for probe in ("livenessProbe", "readinessProbe"):
                get = container[probe]["httpGet"]
                answer = httpx.get(f"http://127.0.0.1:{ports[get['port']]}{get['path']}")
                assert answer.status_code == 200, f"{probe}: {answer.text}\n{log.read_text()[-4000:]}"
            annotations = pod["metadata"]["annotations"]
            scraped = httpx.get(
                f"http://127.0.0.1:{annotations['prometheus.io/port']}{annotations['prometheus.io/path']}"
            )
            assert CONTRACT["metric_requests"] in scraped.text
            for path in mounted_in_workdir:
                assert any(volumes[path].iterdir()), f"the service wrote nothing to its volume at {path}"

            process.send_signal(signal.SIGTERM)
            grace = spec["terminationGracePeriodSeconds"]
            assert process.wait(timeout=grace) == 0, log.read_text()[-4000:]
    finally:
        for volume in volumes.values():
            shutil.rmtree(volume, ignore_errors=True)
        for path in [image.root, *image.root.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
