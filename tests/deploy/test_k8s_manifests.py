"""deploy/k8s/base stays in step with the code and with compose.yaml.

Read with pyyaml only; ``kubectl kustomize`` (offline, no cluster) and the kubernetes-validate
schemas run in addition when they are installed.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
from collections import Counter
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_platform import runtime, workqueue
from ikdz_routing.adapters.config_file import load_routing_config

from .deployfiles import (
    K8S_BASE,
    K8S_IMAGE,
    ServiceInfo,
    SettingsFromEnv,
    k8s_kustomization,
    k8s_named,
    k8s_objects,
    k8s_of_kind,
    load_compose,
    load_factory,
    load_yaml_documents,
    service_by_factory,
    services,
)

SECRET_ENV = {
    "MONGODB_URI",
    "INTAKE_STATUS_TOKEN_SECRET",
    "EINVOICE_STATUS_TOKEN_SECRET",
    "IKDZ_CSRF_SECRET",
    "IKDZ_INTERNAL_API_TOKEN",
}
TEMPLATES = {"secret.example.yaml", "routing-config.yaml", "kustomization.yaml"}


def deployments() -> list[dict[str, Any]]:
    return k8s_of_kind("Deployment")


def container(deployment: Mapping[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def info_of(deployment: Mapping[str, Any]) -> ServiceInfo:
    (factory,) = [arg for arg in container(deployment)["command"] if arg.endswith(":create_app")]
    return service_by_factory(factory)


def env_of(deployment: Mapping[str, Any]) -> dict[str, Any]:
    return {item["name"]: item for item in container(deployment).get("env", [])}


def pools_of(deployment: Mapping[str, Any]) -> list[str]:
    value = env_of(deployment).get("POOLS", {}).get("value", "")
    return [pool.strip() for pool in str(value).split(",") if pool.strip()]


def config_map() -> dict[str, str]:
    data: dict[str, str] = k8s_named("ConfigMap", "ikdz-config")["data"]
    return data


def example_secrets() -> dict[str, dict[str, str]]:
    return {doc["metadata"]["name"]: doc["stringData"] for doc in load_yaml_documents(K8S_BASE / "secret.example.yaml")}


def test_every_manifest_file_is_in_the_kustomization() -> None:
    listed = set(k8s_kustomization()["resources"])
    on_disk = {path.name for path in K8S_BASE.glob("*.yaml")} - TEMPLATES
    assert listed == on_disk
    assert "secret.example.yaml" not in listed, "the Secret template must never be applied"
    names = [(obj["kind"], obj["metadata"]["name"]) for obj in k8s_objects()]
    assert len(names) == len(set(names)), Counter(names).most_common(3)


def test_namespace_and_image() -> None:
    kustomization = k8s_kustomization()
    (namespace,) = k8s_of_kind("Namespace")
    assert kustomization["namespace"] == namespace["metadata"]["name"] == "ikdz"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert [image["name"] for image in kustomization["images"]] == [K8S_IMAGE]
    assert all(container(d)["image"] == K8S_IMAGE for d in deployments())


def test_every_service_has_deployments_and_a_service_on_its_default_port() -> None:
    assert {info_of(d).name for d in deployments()} == {s.name for s in services()}
    for info in services():
        service = k8s_named("Service", info.slug)
        (port,) = service["spec"]["ports"]
        assert (port["port"], port["targetPort"]) == (info.port, "http")
        selected = [d for d in deployments() if info_of(d) == info]
        for deployment in selected:
            pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
            assert service["spec"]["selector"].items() <= pod_labels.items(), deployment["metadata"]["name"]
            assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_commands_start_the_factories_on_their_default_ports() -> None:
    for deployment in deployments():
        info, spec = info_of(deployment), container(deployment)
        assert callable(load_factory(info.factory))
        command = spec["command"]
        assert command[:3] == ["uvicorn", "--factory", info.factory]
        assert command[command.index("--port") + 1] == str(info.port)
        assert spec["ports"] == [{"name": "http", "containerPort": info.port}]


def test_probes_metrics_and_resources() -> None:
    for deployment in deployments():
        name, spec, info = deployment["metadata"]["name"], container(deployment), info_of(deployment)
        assert spec["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
        assert spec["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        assert spec["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(info.port),
            "prometheus.io/path": "/metrics",
        }
        for kind in ("requests", "limits"):
            assert set(spec["resources"][kind]) == {"cpu", "memory"}, name


def test_pods_run_non_root_with_a_read_only_root_file_system() -> None:
    for deployment in deployments():
        name, pod, spec = deployment["metadata"]["name"], deployment["spec"]["template"]["spec"], container(deployment)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        # Service links would add INTAKE_PORT, ROUTING_SERVICE_HOST, ... into the services' env prefixes.
        assert pod["enableServiceLinks"] is False, name
        assert spec["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }, name
        mounts = {m["mountPath"]: m["name"] for m in spec["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], name  # noqa: S108 - a mount path, not a temp file


def test_environment_names_are_read_by_the_code_and_secrets_come_from_secrets() -> None:
    secrets = example_secrets()
    for deployment in deployments():
        name, info, spec = deployment["metadata"]["name"], info_of(deployment), container(deployment)
        assert spec["envFrom"] == [{"configMapRef": {"name": "ikdz-config"}}], name
        names = set(config_map()) | set(env_of(deployment))
        unknown = names - info.env_names()
        assert not unknown, f"{name}: {sorted(unknown)} are not read by {info.settings.__qualname__}"
        for variable, item in env_of(deployment).items():
            if variable in SECRET_ENV:
                ref = item["valueFrom"]["secretKeyRef"]
                assert ref["key"] == variable, name
                assert ref["name"] == f"{info.slug}-secrets", name
                assert variable in secrets[ref["name"]], f"secret.example.yaml lacks {ref['name']}/{variable}"
            else:
                assert "value" in item, f"{name}: {variable} should be a plain value"
        assert "MONGODB_URI" in env_of(deployment), name
    assert not SECRET_ENV & set(config_map()), "secrets belong in Secrets, not in the ConfigMap"


def test_values_pass_the_settings_validation_in_production(settings_from_env: SettingsFromEnv) -> None:
    fake_secrets = {
        "MONGODB_URI": "mongodb://u:p@mongo.example.invalid:27017/?tls=true",
        "INTAKE_STATUS_TOKEN_SECRET": "f" * 64,
        "EINVOICE_STATUS_TOKEN_SECRET": "e" * 64,
        "IKDZ_CSRF_SECRET": "c" * 64,
        "IKDZ_INTERNAL_API_TOKEN": "i" * 64,
    }
    assert config_map()["IKDZ_ENVIRONMENT"] == "prod"
    for deployment in deployments():
        env = {**config_map()}
        for variable, item in env_of(deployment).items():
            env[variable] = item["value"] if "value" in item else fake_secrets[variable]
        settings = settings_from_env(info_of(deployment), env)
        assert settings.environment == "prod"  # type: ignore[attr-defined]


def test_consumer_group_names_are_the_codes() -> None:
    # The autoscalers select consumer groups by name; these are the lines that name them.
    assert 'self.group_id = f"ikdz-{service}"' in inspect.getsource(runtime.ServiceRuntime.__init__)
    assert 'group_id=f"{runtime.group_id}-{pool_id}"' in inspect.getsource(workqueue._subscribe_pool)


def _hpa_for(deployment_name: str) -> dict[str, Any]:
    (hpa,) = [
        h for h in k8s_of_kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == deployment_name
    ]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment_name}
    return hpa


def _lag_groups(hpa: Mapping[str, Any]) -> set[str]:
    (lag,) = [m["external"] for m in hpa["spec"]["metrics"] if m["type"] == "External"]
    assert lag["metric"]["name"] == "kafka_consumergroup_lag"
    selector = lag["metric"]["selector"]
    if "matchLabels" in selector:
        return {selector["matchLabels"]["consumergroup"]}
    (expression,) = selector["matchExpressions"]
    assert (expression["key"], expression["operator"]) == ("consumergroup", "In")
    return set(expression["values"])


def test_one_deployment_per_pool_set_scaled_on_its_consumer_lag() -> None:
    partitions = int(config_map()["IKDZ_TOPIC_PARTITIONS"])
    for deployment in deployments():
        name, info = deployment["metadata"]["name"], info_of(deployment)
        hpa = _hpa_for(name)
        assert "replicas" not in deployment["spec"], f"{name}: the autoscaler owns the replica count"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions, name
        if info.is_worker:
            pools = pools_of(deployment)
            assert pools, f"{name} has no POOLS"
            assert name == f"{info.slug}-{'-'.join(pools)}"
            assert deployment["spec"]["template"]["metadata"]["labels"]["ikdz/pool-set"] == "-".join(pools)
            assert _lag_groups(hpa) == {info.consumer_group(pool) for pool in pools}, name
        else:
            assert name == info.slug
            assert _lag_groups(hpa) == {info.consumer_group()}, name


def _routing_config_path() -> tuple[PurePosixPath, str]:
    (generator,) = k8s_kustomization()["configMapGenerator"]
    (entry,) = generator["files"]
    key, _, source = entry.partition("=")
    routing = k8s_named("Deployment", "routing")
    path = PurePosixPath(env_of(routing)["ROUTING_CONFIG_FILE"]["value"])
    assert path.name == key
    mounts = {m["name"]: m["mountPath"] for m in container(routing)["volumeMounts"]}
    volumes = {v["name"]: v for v in routing["spec"]["template"]["spec"]["volumes"]}
    (volume,) = [name for name, v in volumes.items() if v.get("configMap", {}).get("name") == generator["name"]]
    assert mounts[volume] == str(path.parent)
    return path, source


def test_routing_reads_the_mounted_configuration_and_every_routed_pool_has_a_consumer() -> None:
    _, source = _routing_config_path()
    config = load_routing_config(K8S_BASE / source, load_municipalities())
    routed = {(str(service), pool.id) for pool in config.pools for service in pool.services}
    consumed = [(info_of(d).slug, pool) for d in deployments() if info_of(d).is_worker for pool in pools_of(d)]
    assert set(consumed) == routed
    assert len(consumed) == len(set(consumed)), "a pool is consumed by two pool sets of one service"


def test_the_same_pool_sets_as_compose() -> None:
    compose = load_compose()["services"]
    in_compose = {name for name, svc in compose.items() if "POOLS" in svc.get("environment", {})}
    in_k8s = {d["metadata"]["name"] for d in deployments() if info_of(d).is_worker}
    assert in_compose == in_k8s


# --- external validators, when installed -------------------------------------------------------


def test_kubectl_kustomize_renders_the_base() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: `kubectl kustomize deploy/k8s/base` did not run")
    result = subprocess.run(  # noqa: S603 - fixed argv
        [kubectl, "kustomize", str(K8S_BASE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert len(rendered) == len(k8s_objects()) + 1  # + the generated routing ConfigMap
    assert all(doc["metadata"].get("namespace") == "ikdz" for doc in rendered if doc["kind"] != "Namespace")
    generated = next(doc for doc in rendered if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] != "ikdz-config")
    routing = next(doc for doc in rendered if doc["kind"] == "Deployment" and doc["metadata"]["name"] == "routing")
    volumes = routing["spec"]["template"]["spec"]["volumes"]
    assert generated["metadata"]["name"] in {v.get("configMap", {}).get("name") for v in volumes}
    images = {
        c["image"]
        for doc in rendered
        if doc["kind"] == "Deployment"
        for c in doc["spec"]["template"]["spec"]["containers"]
    }
    (image,) = k8s_kustomization()["images"]
    assert images == {f"{image['newName']}:{image['newTag']}"}


def test_manifests_match_the_kubernetes_schemas() -> None:
    validator = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is not installed: schema check did not run"
    )
    documents: list[tuple[Path, dict[str, Any]]] = [
        (K8S_BASE / name, doc)
        for name in k8s_kustomization()["resources"]
        for doc in load_yaml_documents(K8S_BASE / name)
    ]
    documents += [
        (K8S_BASE / "secret.example.yaml", doc) for doc in load_yaml_documents(K8S_BASE / "secret.example.yaml")
    ]
    for path, doc in documents:
        validator.validate(doc, "1.32.0", strict=True)
        assert doc["kind"], path
