"""Readers for the deployment files and what the code says they must match.

The code is the reference: the five services and their ports come from ``ikdz_platform.stack``, the
environment variable names from the pydantic Settings class each ``create_app`` factory takes, the
consumer group names from ``ikdz_platform.runtime`` / ``ikdz_platform.workqueue``.
"""

from __future__ import annotations

import importlib
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from ikdz_platform.stack import DEFAULT_PORTS, default_services
from ikdz_platform.web.assets import ASSETS_DIR_ENV
from ikdz_platform.web.csrf import CSRF_SECRET_ENV
from ikdz_platform.workqueue import WorkerSettings
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "compose.yaml"
COMPOSE_OVERLAYS = {
    "prod": REPO / "deploy" / "docker" / "compose.prod.yaml",
    "scale": REPO / "deploy" / "docker" / "compose.scale.yaml",
}
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
HEALTHCHECK_SCRIPT = REPO / "deploy" / "docker" / "healthcheck.py"
K8S_BASE = REPO / "deploy" / "k8s" / "base"
DEPLOYMENT_DOC = REPO / "docs" / "deployment.md"
IMAGE_HEALTHCHECK_PATH = "/app/healthcheck.py"
K8S_IMAGE = "ikdz-services"
# Reads a service's settings from exactly these environment variables (the settings_from_env fixture).
SettingsFromEnv = Callable[["ServiceInfo", Mapping[str, str]], BaseSettings]
# Read with os.environ by the web kit (ikdz_platform.web), in the services that use it.
WEB_KIT_ENV = frozenset({ASSETS_DIR_ENV, CSRF_SECRET_ENV})


@dataclass(frozen=True)
class ServiceInfo:
    """One of the five services as the code defines it."""

    name: str  # the local runner's name, e.g. trade_registration
    slug: str  # the service id in consumer groups and deployment names, e.g. trade-registration
    factory: str  # e.g. ikdz_trade_registration.bootstrap:create_app
    port: int
    settings: type[BaseSettings]
    uses_web_kit: bool

    @property
    def is_worker(self) -> bool:
        """A domain service that consumes pool work topics (``POOLS``)."""
        return issubclass(self.settings, WorkerSettings)

    def env_names(self) -> frozenset[str]:
        return settings_env_names(self.settings) | (WEB_KIT_ENV if self.uses_web_kit else frozenset())

    def consumer_group(self, pool: str | None = None) -> str:
        # ikdz_platform.runtime.ServiceRuntime.group_id and workqueue._subscribe_pool (checked in a test).
        return f"ikdz-{self.slug}" if pool is None else f"ikdz-{self.slug}-{pool}"


def load_factory(factory: str) -> Callable[..., Any]:
    module_name, _, attribute = factory.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    return function


def _settings_class(factory: Callable[..., Any]) -> type[BaseSettings]:
    hint = typing.get_type_hints(factory)["settings"]
    candidates = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    (cls,) = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseSettings)]
    return cls


@cache
def services() -> tuple[ServiceInfo, ...]:
    infos = []
    for spec in default_services(environ={}):
        factory = load_factory(spec.app)
        bootstrap = importlib.import_module(spec.app.partition(":")[0])
        slug = str(bootstrap.SERVICE)
        uses_web_kit = any(
            str(getattr(value, "__module__", "")).startswith("ikdz_platform.web") for value in vars(bootstrap).values()
        )
        infos.append(
            ServiceInfo(spec.name, slug, spec.app, DEFAULT_PORTS[spec.name], _settings_class(factory), uses_web_kit)
        )
    return tuple(infos)


def service_by_factory(factory: str) -> ServiceInfo:
    (info,) = [s for s in services() if s.factory == factory]
    return info


def settings_env_names(cls: type[BaseSettings]) -> frozenset[str]:
    """Every environment variable name ``cls`` reads (upper case; pydantic-settings ignores case)."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            names.add(alias)
        elif field.alias:
            names.add(field.alias)
        else:
            names.add(prefix + field_name)
    return frozenset(name.upper() for name in names)


# --- YAML -------------------------------------------------------------------------------------


class _ComposeLoader(yaml.SafeLoader):
    """SafeLoader that accepts compose's ``!reset`` and ``!override`` tags."""


@dataclass(frozen=True)
class Reset:
    value: Any


def _tagged(loader: yaml.SafeLoader, node: yaml.Node) -> Reset:
    if isinstance(node, yaml.SequenceNode):
        return Reset(loader.construct_sequence(node))
    if isinstance(node, yaml.MappingNode):
        return Reset(loader.construct_mapping(node))
    return Reset(loader.construct_scalar(node))  # type: ignore[arg-type]


_ComposeLoader.add_constructor("!reset", _tagged)
_ComposeLoader.add_constructor("!override", _tagged)


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_ComposeLoader)  # noqa: S506 - a SafeLoader subclass
    return data


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def k8s_kustomization() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((K8S_BASE / "kustomization.yaml").read_text(encoding="utf-8"))
    return data


@cache
def k8s_objects() -> tuple[dict[str, Any], ...]:
    """Every object of the kustomization's resources (generated ConfigMaps not included)."""
    return tuple(doc for name in k8s_kustomization()["resources"] for doc in load_yaml_documents(K8S_BASE / name))


def k8s_of_kind(kind: str) -> list[dict[str, Any]]:
    return [obj for obj in k8s_objects() if obj["kind"] == kind]


def k8s_named(kind: str, name: str) -> dict[str, Any]:
    (obj,) = [obj for obj in k8s_of_kind(kind) if obj["metadata"]["name"] == name]
    return obj


# --- compose interpolation ---------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^{}]*))?\}")


class MissingVariableError(ValueError):
    """A ``${NAME:?message}`` variable without a value."""


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}``, ``${NAME-default}`` and ``${NAME:?error}`` (nested defaults too)."""
    previous = None
    while previous != value:
        previous = value
        value = _VARIABLE.sub(lambda match: _substitute(match, env), value, count=1)
    return value.replace("$$", "$")


def _substitute(match: re.Match[str], env: Mapping[str, str]) -> str:
    name, op, arg = match["name"], match["op"], match["arg"] or ""
    present = name in env and (env[name] != "" or not (op or "").startswith(":"))
    if present:
        return env[name]
    if op in {"-", ":-"}:
        return arg
    if op in {"?", ":?"}:
        raise MissingVariableError(f"{name}: {arg}")
    return ""


def variables_used(text: str) -> set[str]:
    return {match["name"] for match in _VARIABLE.finditer(text)}


# --- .dockerignore -----------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for token in re.split(r"(\*\*/?|\*|\?)", pattern.strip("/")):
        if token in {"**", "**/"}:
            parts.append("(?:.*/)?" if token == "**/" else ".*")
        elif token == "*":
            parts.append("[^/]*")
        elif token == "?":
            parts.append("[^/]")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts))


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append((negated, _pattern_regex(line.removeprefix("!"))))
    return rules


def excluded_from_context(relative_path: str) -> bool:
    """Whether Docker leaves ``relative_path`` out of the build context (last matching rule wins;
    a rule that matches a parent directory matches everything below it)."""
    parts = relative_path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for negated, regex in dockerignore_rules():
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            excluded = not negated
    return excluded


# --- Dockerfile --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    stage: str
    keyword: str
    arguments: str


def dockerfile_instructions() -> list[Instruction]:
    """Instructions with continuation lines joined; ``stage`` is the ``AS`` name of the current stage."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions, stage = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage = arguments.split(" AS ")[-1].strip() if " AS " in arguments else ""
        instructions.append(Instruction(stage, keyword, " ".join(arguments.split())))
    return instructions


def dockerfile_args() -> dict[str, str]:
    args = {}
    for instruction in dockerfile_instructions():
        if instruction.keyword == "ARG" and "=" in instruction.arguments:
            name, _, default = instruction.arguments.partition("=")
            args[name] = default
    return args


def iter_files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path
