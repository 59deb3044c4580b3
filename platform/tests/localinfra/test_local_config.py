"""Unit tests of the local-infrastructure plumbing: no Java, Go or servers needed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from ikdz_platform.localinfra import (
    LocalFerretDB,
    LocalKafka,
    PortInUseError,
    cache_dir,
    deploy_dir,
    new_cluster_id,
    port_is_free,
)
from ikdz_platform.localinfra.build import ferretdb_cache_entry, ferretdb_patches, pinned_ferretdb_version
from ikdz_platform.stack import default_services, wipe_data_dir
from ikdz_platform.testing import resolve_source, unique_database_name, unique_topic_prefix


def test_cache_dir_prefers_ikdz_cache_dir_then_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IKDZ_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("IKDZ_CACHE_DIR")
    assert cache_dir() == tmp_path / "xdg" / "ikdz"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "ikdz"


def test_server_properties_template_has_only_known_placeholders() -> None:
    template = (deploy_dir() / "kafka" / "server.properties.template").read_text()
    assert set(re.findall(r"\$\{(\w+)\}", template)) == {"port", "controller_port", "log_dir"}


def test_kafka_config_binds_loopback_only(tmp_path: Path) -> None:
    kafka = LocalKafka(tmp_path, port=19192, controller_port=19193)
    kafka._write_config()
    config = (tmp_path / "server.properties").read_text()
    assert "listeners=PLAINTEXT://127.0.0.1:19192,CONTROLLER://127.0.0.1:19193" in config
    assert "controller.quorum.voters=1@127.0.0.1:19193" in config
    assert f"log.dirs={tmp_path / 'kraft'}" in config
    assert "auto.create.topics.enable=false" in config
    assert kafka.bootstrap_servers == "127.0.0.1:19192"


def test_kafka_runs_c1_only_unless_its_jvm_options_say_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IKDZ_KAFKA_JVM_OPTIONS", raising=False)
    assert "-XX:TieredStopAtLevel=1" in LocalKafka("unused").jvm_options()
    monkeypatch.setenv("IKDZ_KAFKA_JVM_OPTIONS", "-XX:TieredStopAtLevel=4 -Dikdz.note='two words'")
    options = LocalKafka("unused").jvm_options()
    assert options[-2:] == ["-XX:TieredStopAtLevel=4", "-Dikdz.note=two words"]  # last wins in the JVM


def test_automatic_ports_are_distinct_and_fixed() -> None:
    kafka = LocalKafka("unused")
    assert kafka.port != kafka.controller_port
    assert kafka.bootstrap_servers == f"127.0.0.1:{kafka.port}"
    mongo = LocalFerretDB("unused", port=27999)
    assert mongo.uri == "mongodb://127.0.0.1:27999/?directConnection=true"


def test_cluster_id_is_22_chars_of_base64url_never_starting_with_a_dash() -> None:
    # One random id in 64 starts with "-"; 2,000 draws see one with near certainty.
    ids = [new_cluster_id() for _ in range(2000)]
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}", cluster_id) for cluster_id in ids)


def test_ferretdb_version_is_read_from_go_mod() -> None:
    assert re.fullmatch(r"v1\.\d+\.\d+", pinned_ferretdb_version())


def test_port_is_free_sees_a_bound_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert not port_is_free(sock.getsockname()[1])


def test_default_services_take_ports_from_env() -> None:
    specs = {spec.name: spec for spec in default_services({"ROUTING_PORT": "9101"})}
    assert list(specs) == ["intake", "routing", "trade_registration", "einvoice", "traffic_orders"]
    assert specs["routing"].port == 9101
    assert specs["intake"].port == 8000
    assert specs["einvoice"].app == "ikdz_einvoice.bootstrap:create_app"


def test_wipe_refuses_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(RuntimeError, match="refusing"):
        wipe_data_dir(tmp_path)
    assert (tmp_path / "precious.txt").exists()


def test_unique_names() -> None:
    assert unique_topic_prefix() != unique_topic_prefix()
    assert re.fullmatch(r"t[0-9a-f]{10}\.", unique_topic_prefix())
    assert re.fullmatch(r"test_[0-9a-f]{12}", unique_database_name())


def test_env_vars_select_the_env_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IKDZ_TEST_INFRA", raising=False)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:2/")
    assert resolve_source() == "env"
    monkeypatch.setenv("IKDZ_TEST_INFRA", "local")
    assert resolve_source() == "local"


def test_child_dies_with_its_parent(tmp_path: Path) -> None:
    """A parent killed with SIGKILL cannot clean up; PR_SET_PDEATHSIG makes the kernel kill the child."""
    pid_file = tmp_path / "child.pid"
    parent = textwrap.dedent(f"""
        from pathlib import Path
        from ikdz_platform.localinfra import ManagedProcess
        proc = ManagedProcess("sleeper", ["sleep", "120"], log_path=Path({str(tmp_path / "sleep.log")!r}))
        proc.start()
        Path({str(pid_file)!r}).write_text(str(proc.pid))
        import time
        time.sleep(120)
    """)
    process = subprocess.Popen([sys.executable, "-c", parent])  # noqa: S603 - our own script
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "parent did not start its child"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        os.kill(child, 0)  # alive
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 5
        while _alive(child):
            assert time.monotonic() < deadline, "child outlived its parent"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for init to reap it counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_a_configured_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"kafka port {port}"):
            LocalKafka(tmp_path / "kafka", port=port).start()
        with pytest.raises(PortInUseError, match=f"ferretdb port {port}"):
            LocalFerretDB(tmp_path / "mongo", port=port).start()


def test_ferretdb_cache_entry_changes_with_every_patch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "deploy" / "kafka").mkdir(parents=True)
    (repo / "deploy" / "kafka" / "pom.xml").write_bytes((deploy_dir() / "kafka" / "pom.xml").read_bytes())
    shutil.copytree(deploy_dir() / "ferretdb", repo / "deploy" / "ferretdb")
    monkeypatch.setenv("IKDZ_REPO_ROOT", str(repo))
    patches = repo / "deploy" / "ferretdb" / "patches"
    assert [p.name for p in ferretdb_patches()] == sorted(p.name for p in patches.glob("*.patch"))
    assert ferretdb_patches(), "the local FerretDB is built with the index patches"

    patched = ferretdb_cache_entry()
    first = ferretdb_patches()[0]
    first.write_bytes(first.read_bytes() + b"\n")
    edited = ferretdb_cache_entry()
    (patches / "9999-more.patch").write_text("--- a/x\n+++ b/x\n")
    added = ferretdb_cache_entry()
    shutil.rmtree(patches)
    unpatched = ferretdb_cache_entry()

    assert len({patched, edited, added, unpatched}) == 4
    assert ferretdb_cache_entry() == unpatched, "the key is stable for the same inputs"
    assert patched.name.startswith(f"ferretdb-{pinned_ferretdb_version()}-")
