"""Static checks of the container and Kubernetes manifests (no Docker engine or cluster needed).

Besides structure, the settings classes themselves are built from the environment each
manifest gives a process, so "production would start" and "files land on a volume" are
checked against the code, not against a list kept here.
"""

import importlib
import ipaddress
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from educert_common.settings import DEVELOPMENT_SECRET_MARKER, PlatformSettings

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
SETTINGS_CLASSES = {
    "gateway": "educert_gateway.config:GatewaySettings",
    "identity": "identity.config:IdentitySettings",
    "records": "records.config:RecordsSettings",
    "certification": "certification.config:CertificationSettings",
    "payment": "payment.config:PaymentSettings",
    "notification": "notification.config:NotificationSettings",
}
# Development stand-ins for the outside world: compose name -> (image's package, app, HTTP port).
STAND_INS = {
    "smtp-sink": ("notification", "notification.devtools.smtp_sink:create_app", 8025),
    "sms-carrier": ("notification", "notification.devtools.carrier:create_app", 8026),
    "pay-sandbox": ("payment", "payment.sandbox.app:create_app", 8014),
}
# Secrets whose default is empty rather than "dev-only" (so the marker check cannot find them).
EXTRA_SECRET_FIELDS = {
    "payment": {"wechat_merchant_private_key", "wechat_apiv3_key", "alipay_app_private_key"},
    "notification": {"smtp_password"},
}
SETTING_PREFIXES = (
    "EDUCERT_",
    "GATEWAY_",
    *(f"{name.upper()}_" for name in SERVICES),
)


# ---------------------------------------------------------------- settings helpers


def _settings_class(process: str) -> type[BaseSettings]:
    module, _, name = SETTINGS_CLASSES[process].partition(":")
    cls: type[BaseSettings] = getattr(importlib.import_module(module), name)
    return cls


def _env_name(cls: type[BaseSettings], field: str) -> str:
    return f"{cls.model_config.get('env_prefix', '')}{field}".upper()


def _secret_env_names(process: str) -> set[str]:
    """Env names of the secrets this process holds: defaults marked dev-only, plus known ones."""
    names = {
        _env_name(PlatformSettings, field)
        for field, info in PlatformSettings.model_fields.items()
        if isinstance(info.default, str) and DEVELOPMENT_SECRET_MARKER in info.default
    }
    cls = _settings_class(process)
    for field, info in cls.model_fields.items():
        if isinstance(info.default, str) and DEVELOPMENT_SECRET_MARKER in info.default:
            names.add(_env_name(cls, field))
    names |= {_env_name(cls, field) for field in EXTRA_SECRET_FIELDS.get(process, ())}
    return names


def test_secret_discovery_finds_the_known_secrets() -> None:
    """Guards the helper above: if it found nothing, the secret checks below would be empty."""
    assert {"EDUCERT_INTERNAL_TOKEN", "EDUCERT_ID_NUMBER_INDEX_SECRET"} <= _secret_env_names(
        "gateway"
    )
    assert {
        "IDENTITY_SECRET_KEY",
        "IDENTITY_PERSONAL_DATA_SECRET",
        "IDENTITY_FACE_APP_SECRET",
    } <= _secret_env_names("identity")
    assert {
        "NOTIFICATION_SMS_ACCESS_KEY_ID",
        "NOTIFICATION_SMS_ACCESS_KEY_SECRET",
    } <= _secret_env_names("notification")
    for process, fields in EXTRA_SECRET_FIELDS.items():
        assert fields <= set(_settings_class(process).model_fields), process


@contextmanager
def _environment(env: dict[str, Any]) -> Iterator[None]:
    """Exactly these settings variables (the test run's own EDUCERT_* etc. removed)."""
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith(SETTING_PREFIXES) or key == "PAYMENT_SANDBOX":
                patch.delenv(key)
        for key, value in env.items():
            patch.setenv(key, str(value))
        yield


def _build(process: str, env: dict[str, Any]) -> Any:
    with _environment(env):
        return _settings_class(process)()


def _development_values(settings: BaseModel, path: str = "") -> list[str]:
    """Dotted names of every string setting (nested ones too) still holding a dev-only value."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, BaseModel):
            found += _development_values(value, f"{path}{name}.")
        elif isinstance(value, str) and DEVELOPMENT_SECRET_MARKER in value:
            found.append(f"{path}{name}")
    return found


def _is_loopback(value: str) -> bool:
    host = urlsplit(value).hostname if "://" in value else value
    return host in {"127.0.0.1", "localhost", "::1"}


def _under(path: str, mount: str) -> bool:
    return PurePosixPath(path).is_relative_to(PurePosixPath(mount))


def _writable_paths(process: str, settings: Any) -> dict[str, str]:
    """Directories this process writes to at runtime, as its settings resolve them."""
    paths = {}
    if process == "identity":
        paths["IDENTITY_STORAGE_ROOT"] = settings.resolved_storage_root()
    if process == "records":
        paths["RECORDS_STORAGE_ROOT"] = settings.resolved_storage_root()
    if process == "certification":
        paths["CERTIFICATION_STORAGE_ROOT"] = settings.resolved_storage_root()
    if process == "payment" and settings.uses_dev_keys():
        paths["PAYMENT_DEV_KEY_DIR"] = settings.dev_key_dir
    return paths


def test_only_identity_records_certification_and_payment_store_files() -> None:
    """`_writable_paths` knows every service that writes files; fail when another starts to."""
    users = {
        path.relative_to(ROOT / "services").parts[0]
        for path in (ROOT / "services").glob("*/src/**/*.py")
        if "resolved_storage_root(" in path.read_text(encoding="utf-8")
        or "dev_key_dir" in path.read_text(encoding="utf-8")
    }
    assert users == {"certification", "identity", "payment", "records"}, (
        f"{sorted(users)} write files: mount a volume for them (compose and k8s) and add them "
        "to _writable_paths"
    )


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


def _compose_env(compose: dict[str, Any], name: str) -> dict[str, Any]:
    env = compose["services"][name]["environment"]
    assert isinstance(env, dict), f"{name}: use the mapping form of environment"
    return env


def _command(service: dict[str, Any]) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else str(command)


def test_compose_stand_ins_match_what_make_run_starts() -> None:
    """The stand-ins here are the development processes devrun starts outside production."""
    from educert_common.devrun import planned_processes

    with _environment({"EDUCERT_ENVIRONMENT": "development"}):
        planned = planned_processes(PlatformSettings())
    stand_ins = {p.name: (p.module, p.port) for p in planned if p.name not in PROCESSES}
    assert stand_ins == {name: (app, port) for name, (_, app, port) in STAND_INS.items()}
    with _environment({"EDUCERT_ENVIRONMENT": "production"}):
        planned = planned_processes(PlatformSettings())
    assert not {p.name for p in planned} & set(STAND_INS)


@pytest.mark.parametrize("name", sorted(STAND_INS))
def test_compose_runs_stand_in_from_its_package_image_with_healthcheck(
    compose: dict[str, Any], name: str
) -> None:
    package, app, port = STAND_INS[name]
    services = compose["services"]
    assert name in services, f"compose lacks the stand-in {name}"
    service = services[name]
    assert service["build"]["dockerfile"] == f"services/{package}/Dockerfile"
    assert service["image"] == services[package]["image"]
    command = _command(service)
    assert f"uvicorn {app} --factory" in command
    assert f"--port {port}" in command
    assert "--host 0.0.0.0" in command
    test = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/readyz" in test or f"127.0.0.1:{port}/healthz" in test
    # Reachable from the host at most on localhost (they accept anything and sign nothing).
    for published in service.get("ports", []):
        assert str(published).startswith("127.0.0.1:"), published
    assert service["environment"]["EDUCERT_ENVIRONMENT"] == "development"


def test_compose_notification_uses_the_smtp_sink_and_sms_carrier(compose: dict[str, Any]) -> None:
    services = compose["services"]
    notification = _build("notification", _compose_env(compose, "notification"))
    sink = _build("notification", _compose_env(compose, "smtp-sink"))
    carrier = _build("notification", _compose_env(compose, "sms-carrier"))
    # notification sends mail to the sink's SMTP listener ...
    assert notification.smtp_host == "smtp-sink"
    assert sink.smtp_host == "0.0.0.0"
    assert notification.smtp_port == sink.smtp_port
    assert str(sink.smtp_port) in {str(port) for port in services["smtp-sink"].get("expose", [])}
    # ... and SMS to the carrier, which checks signatures with the same key.
    where = urlsplit(notification.sms_carrier_url)
    assert (where.hostname, where.port) == ("sms-carrier", STAND_INS["sms-carrier"][2])
    assert carrier.sms_access_key_id == notification.sms_access_key_id
    assert carrier.sms_access_key_secret == notification.sms_access_key_secret
    # The sink stores mail in the notification database: it must be migrated first.
    assert sink.resolved_database_url() == notification.resolved_database_url()
    depends = services["smtp-sink"]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    for stand_in in ("smtp-sink", "sms-carrier"):
        assert services["notification"]["depends_on"][stand_in]["condition"] == "service_healthy"


def test_compose_payment_uses_the_sandbox_and_receives_its_callbacks(
    compose: dict[str, Any],
) -> None:
    from payment.sandbox.config import SandboxSettings, resolved

    services = compose["services"]
    payment = _build("payment", _compose_env(compose, "payment"))
    assert payment.uses_dev_keys()
    assert not payment.wechat_api_base and not payment.alipay_gateway, "compose uses the sandbox"
    where = urlsplit(payment.sandbox_url)
    assert (where.hostname, where.port) == ("pay-sandbox", STAND_INS["pay-sandbox"][2])
    # The sandbox calls back at payment's notify_url: a host it can reach on the network, and
    # one that serves /api/v1/payment/callbacks/ (the gateway forwards them to payment).
    callbacks = urlsplit(payment.resolved_callback_base())
    assert callbacks.hostname in {"gateway", "payment"}, callbacks
    port = PROCESSES[callbacks.hostname]
    assert (callbacks.port or 80) == port
    # Both sides use the same key directory, on the same named volume.
    with _environment(_compose_env(compose, "pay-sandbox")):
        sandbox, _ = resolved(SandboxSettings())
    assert sandbox.key_dir == payment.dev_key_dir
    assert urlsplit(sandbox.public_url).hostname == "pay-sandbox"
    assert services["payment"]["depends_on"]["pay-sandbox"]["condition"] == "service_healthy"


def test_compose_gives_every_process_the_same_shared_secrets(compose: dict[str, Any]) -> None:
    shared = {
        _env_name(PlatformSettings, field)
        for field, info in PlatformSettings.model_fields.items()
        if isinstance(info.default, str) and DEVELOPMENT_SECRET_MARKER in info.default
    }
    assert shared
    for key in shared:
        values = {name: _compose_env(compose, name).get(key) for name in [*PROCESSES, *STAND_INS]}
        assert None not in values.values(), f"{key} missing in {values}"
        assert len(set(values.values())) == 1, f"{key} differs: {values}"


def _compose_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> named volume (bind mounts are not used)."""
    mounts = {}
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            source, target = entry["source"], entry["target"]
        else:
            source, target = str(entry).split(":")[:2]
        mounts[target] = source
    return mounts


@pytest.mark.parametrize("name", [*sorted(PROCESSES), *sorted(STAND_INS)])
def test_compose_processes_write_only_to_named_volumes(compose: dict[str, Any], name: str) -> None:
    package = STAND_INS[name][0] if name in STAND_INS else name
    settings = _build(package, _compose_env(compose, name))
    paths = _writable_paths(package, settings)
    if name == "pay-sandbox":
        from payment.sandbox.config import SandboxSettings, resolved

        with _environment(_compose_env(compose, name)):
            paths = {"PAYMENT_SANDBOX_KEY_DIR": resolved(SandboxSettings())[0].key_dir}
    if name in {"identity", "records", "certification"}:
        assert paths, f"{name} stores uploaded files"
    if name in {"payment", "pay-sandbox"}:
        assert paths, "payment and the sandbox share the development keys"
    mounts = _compose_mounts(compose["services"][name])
    declared = set(compose.get("volumes") or {})
    for setting, path in paths.items():
        assert PurePosixPath(path).is_absolute(), f"{setting}={path} is relative to /app"
        assert not _under(path, "/app"), f"{setting}={path}: /app is root-owned"
        covering = [mount for mount in mounts if _under(path, mount)]
        assert covering, f"{name}: {setting}={path} is not on a volume"
        assert mounts[covering[0]] in declared, mounts[covering[0]]
    if name in {"payment", "pay-sandbox"}:
        mounts_by_path = {
            other: _compose_mounts(compose["services"][other])
            for other in ("payment", "pay-sandbox")
        }
        assert mounts_by_path["payment"] == mounts_by_path["pay-sandbox"]


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


def _runtime_env(name: str) -> dict[str, str]:
    env = {}
    for keyword, args in _final_stage(_instructions(DOCKERFILES[name])):
        if keyword == "ENV":
            for pair in re.findall(r"(\w+)=(\S+)", args):
                env[pair[0]] = pair[1]
    return env


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_dockerfile_points_writable_paths_at_directories_owned_by_the_user(name: str) -> None:
    """Run with the image's own environment only, nothing is written under the root-owned /app."""
    env = {k: v for k, v in _runtime_env(name).items() if k.startswith(SETTING_PREFIXES)}
    # The image sets no environment (the deployment must choose): take the development one,
    # where payment writes its generated keys.
    paths = _writable_paths(name, _build(name, {**env, "EDUCERT_ENVIRONMENT": "development"}))
    if name in {"identity", "records", "certification", "payment"}:
        assert paths, name
    runtime = _final_stage(_instructions(DOCKERFILES[name]))
    runs = " ".join(args for keyword, args in runtime if keyword == "RUN")
    for setting, path in paths.items():
        assert PurePosixPath(path).is_absolute(), f"{setting}={path} is relative to /app"
        assert not _under(path, "/app"), f"{setting}={path}: /app is root-owned"
        # Created in the image and owned by the runtime user, so a fresh volume is writable.
        assert re.search(rf"mkdir -p [^&]*{re.escape(path)}", runs), (setting, path)
        assert re.search(rf"chown 10001:10001 [^&]*{re.escape(path)}", runs), (setting, path)


@pytest.mark.parametrize(
    "dockerfile", [*DOCKERFILES.values(), ROOT / "deploy" / "docker" / "Dockerfile.migrate"]
)
def test_images_leave_the_environment_to_the_deployment(dockerfile: Path) -> None:
    """No image bakes in EDUCERT_ENVIRONMENT: a container started without one refuses to
    start instead of running as whatever the image assumed."""
    text = dockerfile.read_text(encoding="utf-8")
    assert "EDUCERT_ENVIRONMENT" not in text, dockerfile


def test_compose_sets_the_environment_of_every_container_it_builds(
    compose: dict[str, Any],
) -> None:
    built = {name: svc for name, svc in compose["services"].items() if "build" in svc}
    assert {*PROCESSES, *STAND_INS, "migrate"} <= set(built)
    for name in built:
        assert _compose_env(compose, name).get("EDUCERT_ENVIRONMENT") == "development", name


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


def _example_secrets() -> dict[str, dict[str, str]]:
    documents = yaml.safe_load_all((K8S / "secrets.example.yaml").read_text("utf-8"))
    return {d["metadata"]["name"]: d["stringData"] for d in documents if d}


def test_example_secrets_are_placeholders_with_each_database_url() -> None:
    data = _example_secrets()
    for name in SERVICES:
        url = data[f"educert-{name}"][f"{name.upper()}_DATABASE_URL"]
        assert "CHANGE-ME" in url
    for secret, values in data.items():
        for key, value in values.items():
            assert "CHANGE-ME" in value, f"{secret}/{key} is not a placeholder"
            assert DEVELOPMENT_SECRET_MARKER not in value, f"{secret}/{key}"


def test_configmap_holds_no_secrets() -> None:
    config = _of_kind("ConfigMap")["educert-config"]["data"]
    assert config["EDUCERT_ENVIRONMENT"] == "production"
    secret_names = set().union(*(_secret_env_names(p) for p in PROCESSES))
    secret_names |= {key for values in _example_secrets().values() for key in values}
    for key in config:
        assert key.startswith(SETTING_PREFIXES), key
        assert key not in secret_names, f"{key} is a secret: put it in a Secret"
        assert not any(
            word in key for word in ("SECRET", "PASSWORD", "PRIVATE", "TOKEN", "BROKER_URL")
        ), key


def _main_container(process: str) -> tuple[dict[str, Any], dict[str, Any]]:
    pod = _of_kind("Deployment")[process]["spec"]["template"]["spec"]
    return pod, next(c for c in pod["containers"] if c["name"] == process)


def _k8s_env(container: dict[str, Any]) -> tuple[dict[str, str], set[str]]:
    """The environment the container gets (ConfigMaps and example Secrets it references, then
    `env`), and the names that come from a Secret."""
    configmaps = {name: doc["data"] for name, doc in _of_kind("ConfigMap").items()}
    secrets = _example_secrets()
    env: dict[str, str] = {}
    from_secrets: set[str] = set()
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(configmaps[source["configMapRef"]["name"]])
        else:
            ref = source["secretRef"]
            if ref["name"] not in secrets:
                assert ref.get("optional") is True, f"{ref['name']} is neither listed nor optional"
                continue
            env.update(secrets[ref["name"]])
            from_secrets |= set(secrets[ref["name"]])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
            from_secrets.discard(item["name"])
        elif "secretKeyRef" in item.get("valueFrom", {}):
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secrets[ref["name"]][ref["key"]]
            from_secrets.add(item["name"])
    return env, from_secrets


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_k8s_production_settings_start_with_real_values(name: str) -> None:
    """With the ConfigMap and the (filled-in) Secrets, production settings load, no dev-only value
    is left anywhere (also where no validator looks), and every secret comes from a Secret."""
    _, container = _main_container(name)
    env, from_secrets = _k8s_env(container)
    settings = _build(name, env)  # raises if production refuses a value
    platform = settings.platform
    assert platform.environment == "production"
    assert _development_values(settings) == []
    missing = _secret_env_names(name) - from_secrets
    assert not missing, f"{name}: not provided by a Secret: {sorted(missing)}"
    # Nothing still points at this machine (defaults are for `make run`).
    own = {
        field: getattr(settings, field)
        for field in type(settings).model_fields
        if field != "sandbox_url"  # unused once the provider endpoints are set (asserted below)
    }
    platform_urls = {
        field: getattr(platform, field)
        for field in type(platform).model_fields
        if field.endswith("_url") and field != "postgres_url"  # services use <SERVICE>_DATABASE_URL
    }
    for field, value in {**own, **platform_urls}.items():
        if isinstance(value, str):
            assert not _is_loopback(value), f"{name}: {field}={value}"
    # Behind the ingress (gateway) and the gateway (identity), trusting only loopback would make
    # every caller look like the proxy: one shared rate-limit / lockout bucket.
    proxies = getattr(settings, "trusted_proxies", None)
    if proxies is not None:
        assert any(not ipaddress.ip_network(p, strict=False).is_loopback for p in proxies), name
    if name in SERVICES:
        assert settings.database_url, "each service's database URL comes from its Secret"
    if name == "payment":
        assert not settings.uses_dev_keys()
        assert settings.wechat_api_base.startswith("https://")
        assert settings.alipay_gateway.startswith("https://")
        assert settings.resolved_callback_base().startswith("https://")
    if name == "notification":
        assert not settings.dev_tools_available()
        assert settings.smtp_start_tls or settings.smtp_use_tls, "mail leaves over TLS"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_k8s_migrate_init_container_gets_the_same_environment(name: str) -> None:
    pod, container = _main_container(name)
    migrate = next(c for c in pod["initContainers"] if c["name"] == "migrate")
    assert migrate["envFrom"] == container["envFrom"]


def test_k8s_shared_secrets_reach_every_process_from_one_secret() -> None:
    shared_names = _secret_env_names("gateway")  # the platform's own: EDUCERT_*
    holders = {
        secret for secret, values in _example_secrets().items() if shared_names & set(values)
    }
    assert holders == {"educert-shared"}, holders
    assert shared_names <= set(_example_secrets()["educert-shared"])
    for name in PROCESSES:
        _, container = _main_container(name)
        refs = {s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s}
        assert "educert-shared" in refs, name


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_k8s_writable_paths_are_on_persistent_volumes(name: str) -> None:
    pod, container = _main_container(name)
    env, _ = _k8s_env(container)
    paths = _writable_paths(name, _build(name, env))
    if name in {"identity", "records", "certification"}:
        assert paths, f"{name} stores uploaded files"
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    claims = _of_kind("PersistentVolumeClaim")
    for setting, path in paths.items():
        covering = [mount for mount in mounts if _under(path, mount)]
        assert covering, f"{name}: {setting}={path} is not on a volume (read-only root)"
        mount = mounts[covering[0]]
        assert not mount.get("readOnly"), mount
        volume = volumes[mount["name"]]
        # User uploads outlive pods and are shared by replicas: never an emptyDir.
        assert "persistentVolumeClaim" in volume, f"{setting} must be on a PVC, not {volume}"
        claim = claims[volume["persistentVolumeClaim"]["claimName"]]
        replicas = _of_kind("Deployment")[name]["spec"]["replicas"]
        if replicas > 1:
            assert "ReadWriteMany" in claim["spec"]["accessModes"], claim["spec"]
        # The image creates the same directory for the non-root user.
        assert _runtime_env(name).get(setting) == path


def test_k8s_runs_no_development_stand_ins() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    for path in kustomization["resources"]:
        for document in yaml.safe_load_all((K8S / path).read_text(encoding="utf-8")):
            if not document or document.get("kind") != "Deployment":
                continue
            assert document["metadata"]["name"] not in STAND_INS
            pod = document["spec"]["template"]["spec"]
            for container in [*pod["containers"], *pod.get("initContainers", [])]:
                command = " ".join(container.get("command", []) + container.get("args", []))
                for _, app, _ in STAND_INS.values():
                    assert app.split(":")[0] not in command, (path, command)


# ---------------------------------------------------------------- operator tasks


def test_k8s_create_admin_job_runs_the_bootstrap_with_identitys_production_settings() -> None:
    """The first admin in production: a Job in identity's image, with identity's settings."""
    job = _of_kind("Job")["educert-create-admin"]
    spec = job["spec"]
    # Never retried behind the operator's back, and the log with the code does not linger.
    assert spec["backoffLimit"] == 0
    assert 0 < spec["ttlSecondsAfterFinished"] <= 3600
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    _, identity = _main_container("identity")
    assert container["image"] == identity["image"]
    assert container["envFrom"] == identity["envFrom"]
    command = container["command"] + container["args"]
    assert command[:2] == ["educert-admin", "create-admin"]
    assert "--force" not in command
    # $(VAR) in args is expanded by Kubernetes from the container's own env.
    declared = {item["name"] for item in container.get("env", [])}
    assert set(re.findall(r"\$\((\w+)\)", " ".join(command))) <= declared
    assert "--email" in command
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert container["resources"]["limits"]["memory"]
    mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
    assert "/tmp" in mounts
    # The settings the command builds are identity's production ones (refusing dev values).
    env, _ = _k8s_env(container)
    settings = _build("identity", env)
    assert settings.platform.environment == "production"
    assert _development_values(settings) == []
    assert settings.database_url


def test_k8s_create_admin_job_is_applied_on_demand_with_the_release_image() -> None:
    main = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert not any("create-admin" in entry for entry in main["resources"])
    own = yaml.safe_load((K8S / "create-admin" / "kustomization.yaml").read_text("utf-8"))
    for entry in own["resources"]:
        assert (K8S / "create-admin" / entry).is_file(), entry
    assert own["namespace"] == main["namespace"]
    release = {image["name"]: image for image in main["images"]}
    for image in own["images"]:
        assert image == release[image["name"]], "the Job must run the deployed identity image"


def test_k8s_every_container_gets_an_explicit_environment() -> None:
    """Every container of every workload (init containers and Jobs too) is told it runs in
    production: none relies on a default (there is none; a process would refuse to start)."""
    workloads = [
        document
        for _, document in _k8s_documents()
        if document.get("kind") in {"Deployment", "Job", "CronJob", "StatefulSet"}
    ]
    assert workloads
    for workload in workloads:
        spec = workload["spec"]
        if workload["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        pod = spec["template"]["spec"]
        for container in [*pod["containers"], *pod.get("initContainers", [])]:
            env, _ = _k8s_env(container)
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert env.get("EDUCERT_ENVIRONMENT") == "production", where


def _ingress_paths() -> list[tuple[dict[str, Any], str, dict[str, Any]]]:
    """(ingress, host, path entry) for every path of every Ingress."""
    return [
        (ingress, rule.get("host", ""), path)
        for ingress in _of_kind("Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]


def test_ingress_blocks_metrics_for_every_public_host() -> None:
    paths = _ingress_paths()
    hosts = {host for _, host, _ in paths}
    assert hosts
    for host in hosts:
        metrics = [
            (ingress, path)
            for ingress, other, path in paths
            if other == host and path["path"].rstrip("/") == "/metrics"
        ]
        assert metrics, f"{host}: /metrics is reachable through the ingress"
        for ingress, path in metrics:
            assert path["pathType"] == "Prefix", "cover /metrics/... too"
            denied = ingress["metadata"]["annotations"][
                "nginx.ingress.kubernetes.io/denylist-source-range"
            ]
            networks = {ipaddress.ip_network(n.strip()) for n in denied.split(",")}
            assert networks == {
                ipaddress.ip_network("0.0.0.0/0"),
                ipaddress.ip_network("::/0"),
            }, denied
            # The block lives in an Ingress of its own: the annotation applies to all its paths.
            own = [entry["path"] for other_ingress, _, entry in paths if other_ingress is ingress]
            assert own == [path["path"]], own
        classes = {ingress["spec"].get("ingressClassName") for ingress, _, _ in paths}
        assert len(classes) == 1, "both Ingresses must be served by the same controller"


def test_gateway_metrics_stay_scrapeable_inside_the_cluster() -> None:
    pod = _of_kind("Deployment")["gateway"]["spec"]["template"]
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert annotations["prometheus.io/port"] == str(PROCESSES["gateway"])


def test_gateway_replicas_share_their_rate_limits() -> None:
    """Several gateway replicas each with its own buckets would multiply every limit."""
    replicas = _of_kind("Deployment")["gateway"]["spec"]["replicas"]
    _, container = _main_container("gateway")
    env, from_secrets = _k8s_env(container)
    settings = _build("gateway", env)
    if replicas > 1:
        assert settings.rate_limit_redis_url.startswith(("redis://", "rediss://"))
        # The URL may carry a password: it comes from a Secret.
        assert "GATEWAY_RATE_LIMIT_REDIS_URL" in from_secrets


def test_compose_gateway_uses_the_compose_redis(compose: dict[str, Any]) -> None:
    services = compose["services"]
    settings = _build("gateway", _compose_env(compose, "gateway"))
    where = urlsplit(settings.rate_limit_redis_url)
    assert where.hostname == "redis" and where.hostname in services
    assert services["gateway"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in services["redis"]


@pytest.mark.parametrize("process", ["records", "certification"])
def test_k8s_signing_services_sign_with_keys_from_a_mounted_secret(process: str) -> None:
    """Production refuses to start without signing keys: records (reports) and certification
    (certificates) read all three from one Secret mounted read-only, the same files in every
    replica, and the example names them."""
    pod, container = _main_container(process)
    env = {item["name"]: item.get("value", "") for item in container.get("env", [])}
    mount = next(m for m in container["volumeMounts"] if m["name"] == "signing")
    volume = next(v for v in pod["volumes"] if v["name"] == "signing")
    assert mount.get("readOnly") is True
    secret = volume["secret"]["secretName"]
    files = _example_secrets()[secret]
    for name in (
        "EDUCERT_DOCUMENT_SIGNING_KEY_FILE",
        "EDUCERT_DOCUMENT_SIGNING_CERT_FILE",
        "EDUCERT_CREDENTIAL_SIGNING_KEY_FILE",
    ):
        directory, _, file = env[name].rpartition("/")
        assert directory == mount["mountPath"] and file in files, name
