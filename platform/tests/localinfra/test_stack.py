"""The process runner behind ``python -m ikdz_platform.stack``, exercised with a tiny fake service."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from ikdz_platform.localinfra import free_port
from ikdz_platform.stack import ServiceProcess, ServiceSpec, Stack

HERE = Path(__file__).resolve().parent


def fake_spec(name: str, **env: str) -> ServiceSpec:
    return ServiceSpec(name, "fake_service:create_app", app_dir=HERE, env=env)


def test_service_is_started_killed_and_restarted_on_the_same_port(tmp_path: Path) -> None:
    service = ServiceProcess(
        fake_spec("fake", FAKE_READY_AFTER="1"),
        env={"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092", "MONGODB_URI": "mongodb://127.0.0.1:1/"},
        log_dir=tmp_path,
    )
    try:
        service.start()
        service.wait_ready(30)
        first = httpx.get(f"{service.base_url}/env").json()
        assert first["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:19092"
        assert first["MONGODB_URI"] == "mongodb://127.0.0.1:1/"

        assert service.kill() == -signal.SIGKILL
        assert not service.running
        assert not service.is_ready()

        service.restart(ready_timeout=30)
        second = httpx.get(f"{service.base_url}/env").json()
        assert second["pid"] != first["pid"]
        service.stop()
    finally:
        service.kill()
    log = service.log_path.read_text()
    assert "Uvicorn running" in log
    assert log.rstrip().endswith("Finished server process [{}]".format(second["pid"]))  # a clean shutdown


def test_a_service_that_cannot_start_reports_its_log(tmp_path: Path) -> None:
    service = ServiceProcess(ServiceSpec("broken", "no_such_module:create_app"), env={}, log_dir=tmp_path)
    service.start()
    with pytest.raises(RuntimeError, match="broken exited with code") as error:
        service.wait_ready(30)
    assert "no_such_module" in str(error.value)


@pytest.mark.infra
@pytest.mark.timeout(300)  # its own Kafka and FerretDB plus two services
def test_stack_starts_infra_and_services_and_stops_them(tmp_path: Path) -> None:
    stack = Stack(
        tmp_path / "run",
        services=[fake_spec("alpha"), fake_spec("beta", FAKE_READY_AFTER="2")],
        extra_env={"IKDZ_TOPIC_PREFIX": "stacktest."},
    )
    with stack:
        assert stack.kafka is not None
        assert stack.ferretdb is not None
        seen = httpx.get(f"{stack.service('beta').base_url}/env").json()
        assert seen["KAFKA_BOOTSTRAP_SERVERS"] == stack.kafka_bootstrap_servers
        assert seen["MONGODB_URI"] == stack.mongodb_uri
        assert seen["IKDZ_TOPIC_PREFIX"] == "stacktest."
        assert "/docs" in stack.describe()

        stack.service("alpha").kill()
        stack.service("alpha").restart()
        assert stack.service("alpha").is_ready()
    assert not any(p.running for p in stack.services.values())
    assert not stack.kafka.running
    assert not stack.ferretdb.running


def test_stack_refuses_a_busy_port_by_name(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = {**os.environ, "MONGODB_PORT": str(busy.getsockname()[1]), "KAFKA_PORT": str(free_port())}
        result = subprocess.run(  # noqa: S603 - our own module
            [sys.executable, "-m", "ikdz_platform.stack", "--infra-only", "--data-dir", str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert "MONGODB_PORT" in result.stderr


@pytest.mark.infra
@pytest.mark.timeout(300)
def test_stack_command_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KAFKA_PORT": str(free_port()),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
        "MONGODB_PORT": str(free_port()),
    }
    output = tmp_path / "stdout.txt"
    with output.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "ikdz_platform.stack", "--infra-only", "--data-dir", str(tmp_path / "data")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 250
        while "IKDZ is running" not in output.read_text():
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, output.read_text()
    finally:
        process.kill()
        process.wait()
    assert output.read_text().rstrip().endswith("stopped.")
    assert "shut down completed" in (tmp_path / "data" / "kafka" / "kafka.log").read_text()
