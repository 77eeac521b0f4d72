"""Static checks of the container and Kubernetes manifests (no Docker engine or cluster needed)."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "docker-compose.yml"

SERVICES = {
    "identity": 8001,
    "records": 8002,
    "certification": 8003,
    "payment": 8004,
    "notification": 8005,
}
PROCESSES = {"gateway": 8000, **SERVICES}
DOCKERFILES = {
    "gateway": ROOT / "gateway" / "Dockerfile",
    **{name: ROOT / "services" / name / "Dockerfile" for name in SERVICES},
}


# ---------------------------------------------------------------- docker compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_has_every_process_and_infrastructure(compose: dict[str, Any]) -> None:
    services = compose["services"]
    expected = {*PROCESSES, "postgres", "rabbitmq", "migrate"}
    assert expected <= set(services), f"missing: {sorted(expected - set(services))}"
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["rabbitmq"]["image"].startswith("rabbitmq:3.13")
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["rabbitmq"]


def test_compose_migrate_runs_every_service_migration(compose: dict[str, Any]) -> None:
    migrate = compose["services"]["migrate"]
    command = migrate["command"]
    command = command if isinstance(command, list) else command.split()
    assert command[0] == "educert-migrate"
    assert set(command[1:]) == set(SERVICES)
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    dockerfile = ROOT / migrate["build"]["context"] / migrate["build"]["dockerfile"]
    text = dockerfile.read_text(encoding="utf-8")
    for name in SERVICES:
        assert f"COPY services/{name}/migrations" in text, name


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_service_waits_for_migrations_and_has_healthcheck(
    compose: dict[str, Any], name: str
) -> None:
    service = compose["services"][name]
    test = service["healthcheck"]["test"]
    assert any(f":{SERVICES[name]}/" in part for part in test), test
    depends = service["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["rabbitmq"]["condition"] == "service_healthy"
    assert service["build"]["dockerfile"] == f"services/{name}/Dockerfile"
    assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


def test_compose_gateway_is_published_and_waits_for_services(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert "healthcheck" in gateway
    assert any(str(port).endswith("8000:8000") for port in gateway["ports"])
    for name in SERVICES:
        assert gateway["depends_on"][name]["condition"] == "service_healthy"
    # Only the gateway is published; services stay on the compose network.
    for name in SERVICES:
        assert "ports" not in compose["services"][name], name


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_compose_environment_points_at_compose_hosts(compose: dict[str, Any], name: str) -> None:
    env = compose["services"][name]["environment"]
    assert "@postgres:5432" in env["EDUCERT_POSTGRES_URL"]
    assert "@rabbitmq:5672" in env["EDUCERT_BROKER_URL"]
    for service, port in SERVICES.items():
        assert env[f"EDUCERT_{service.upper()}_URL"] == f"http://{service}:{port}"


# ---------------------------------------------------------------- Dockerfiles


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert starts, "no FROM"
    return instructions[starts[-1] :]


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_dockerfile_runtime_is_non_root_and_runs_the_right_module(name: str) -> None:
    path = DOCKERFILES[name]
    assert path.is_file(), path
    instructions = _instructions(path)
    froms = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(froms) >= 2, "expected a multi-stage build"
    assert all(args.startswith("python:3.11-slim") for args in froms)

    runtime = _final_stage(instructions)
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users, "runtime stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, users[-1]

    commands = [args for keyword, args in runtime if keyword in {"CMD", "ENTRYPOINT"}]
    assert commands, "runtime stage has no CMD/ENTRYPOINT"
    command = " ".join(" ".join(json.loads(args)) for args in commands)
    assert f"{name}.main:create_app" in command
    assert "--factory" in command
    assert f"--port {PROCESSES[name]}" in command

    assert ("EXPOSE", str(PROCESSES[name])) in runtime
    healthchecks = [args for keyword, args in runtime if keyword == "HEALTHCHECK"]
    assert healthchecks
    assert f"{PROCESSES[name]}/healthz" in healthchecks[-1]
    # Runtime has no uv and no build tools: nothing is installed there.
    runs = " ".join(args for keyword, args in runtime if keyword == "RUN")
    assert "uv " not in runs
    assert "apt-get install" not in runs


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_dockerfile_builds_only_this_package_from_the_locked_workspace(name: str) -> None:
    text = re.sub(r"\\\n", " ", DOCKERFILES[name].read_text(encoding="utf-8"))
    assert f"--package educert-{name}" in text
    assert "--frozen" in text
    assert "--no-dev" in text
    assert "curl" not in text
    # uv resolves the workspace only if every member's pyproject.toml is present.
    for member in ["libs/common", "gateway", *(f"services/{s}" for s in SERVICES)]:
        assert f"COPY {member}/pyproject.toml" in text, member
    if name in SERVICES:
        assert f"COPY services/{name}/migrations" in text


def test_dockerignore_keeps_local_state_out() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".git", "**/.venv", "**/__pycache__"} <= patterns
    for needed in ("uv.lock", "pyproject.toml", "libs", "services", "gateway", "**/migrations"):
        assert needed not in patterns


# ---------------------------------------------------------------- Kubernetes


def _k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    documents = []
    for path in sorted(K8S.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                documents.append((path, document))
    return documents


def _of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {
        document["metadata"]["name"]: document
        for path, document in _k8s_documents()
        if document.get("kind") == kind and path.name != "kustomization.yaml"
    }


def test_kustomization_lists_only_existing_files() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = [
        *kustomization.get("resources", []),
        *(patch["path"] for patch in kustomization.get("patches", []) if "path" in patch),
        *kustomization.get("components", []),
    ]
    assert listed, "kustomization lists nothing"
    for entry in listed:
        assert (K8S / entry).exists(), f"kustomization lists missing {entry}"
    # Placeholder secrets must not be applied by default.
    assert "secrets.example.yaml" not in listed
    for name in PROCESSES:
        assert f"{name}.yaml" in listed


def test_every_process_has_a_deployment_service_and_pdb() -> None:
    deployments, services, pdbs = (
        _of_kind("Deployment"),
        _of_kind("Service"),
        _of_kind("PodDisruptionBudget"),
    )
    assert set(PROCESSES) <= set(deployments)
    assert set(PROCESSES) <= set(services)
    assert set(PROCESSES) <= set(pdbs)
    for name, port in PROCESSES.items():
        service = services[name]
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
        assert [p["port"] for p in service["spec"]["ports"]] == [port]
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        for selector in (
            service["spec"]["selector"],
            pdbs[name]["spec"]["selector"]["matchLabels"],
        ):
            assert selector.items() <= labels.items(), name
    ingresses = _of_kind("Ingress")
    assert ingresses
    backends = [
        path["backend"]["service"]["name"]
        for ingress in ingresses.values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert set(backends) == {"gateway"}, "only the gateway may be exposed"


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_deployment_probes_replicas_security_and_resources(name: str) -> None:
    deployment = _of_kind("Deployment")[name]
    spec = deployment["spec"]
    assert spec["replicas"] >= (3 if name == "gateway" else 2)
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True

    containers = {c["name"]: c for c in pod["containers"]}
    main = containers[name]
    port = PROCESSES[name]
    assert any(p["containerPort"] == port for p in main["ports"])
    assert f"{name}.main:create_app" in " ".join(main.get("command", []) + main.get("args", []))

    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "startupProbe" in main

    tmp_volumes = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    for container in [*pod["containers"], *pod.get("initContainers", [])]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        limits = container["resources"]["limits"]
        assert limits.get("cpu"), container["name"]
        assert limits.get("memory"), container["name"]
        assert container["resources"]["requests"].get("memory"), container["name"]
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert mounts.get("/tmp") in tmp_volumes, container["name"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_deployment_migrates_its_own_database_first(name: str) -> None:
    pod = _of_kind("Deployment")[name]["spec"]["template"]["spec"]
    init = pod["initContainers"]
    commands = [c.get("command", []) + c.get("args", []) for c in init]
    assert ["educert-migrate", name] in commands
    main = next(c for c in pod["containers"] if c["name"] == name)
    assert init[0]["image"] == main["image"]
    secrets = {e["secretRef"]["name"] for e in main["envFrom"] if "secretRef" in e}
    assert f"educert-{name}" in secrets


def test_example_secrets_are_placeholders_with_each_database_url() -> None:
    documents = list(yaml.safe_load_all((K8S / "secrets.example.yaml").read_text("utf-8")))
    data = {d["metadata"]["name"]: d["stringData"] for d in documents if d}
    for name in SERVICES:
        url = data[f"educert-{name}"][f"{name.upper()}_DATABASE_URL"]
        assert "CHANGE-ME" in url
    for values in data.values():
        assert all("CHANGE-ME" in v for v in values.values() if "://" in v or "KEY" in v)


def test_configmap_holds_no_secrets() -> None:
    config = _of_kind("ConfigMap")["educert-config"]["data"]
    assert config["EDUCERT_ENVIRONMENT"] == "production"
    for key in config:
        assert key.startswith("EDUCERT_"), key
        assert not any(word in key for word in ("SECRET", "PASSWORD", "BROKER_URL")), key
