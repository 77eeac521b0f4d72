"""Every module of every package imports on its own, as in a fresh interpreter.

An import cycle hides as long as something else happens to import the modules in a lucky
order first; here each module is imported with none of the platform's modules loaded. One
subprocess per module would take minutes (each start loads FastAPI and SQLAlchemy again), so
a few workers each import a batch, removing the platform's modules from `sys.modules` (and
their Prometheus collectors from the registry) before every module: third-party libraries
stay loaded, which changes nothing about our own import order.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = [ROOT / "libs/common/src", ROOT / "gateway/src", *(ROOT / "services").glob("*/src")]

WORKER = r"""
import importlib, json, sys, traceback
packages = set(sys.argv[1].split(","))
modules = sys.argv[2:]
import prometheus_client
baseline = set(prometheus_client.REGISTRY._collector_to_names)

def forget_platform(module):
    # libs/common imports no service, so a service's modules cannot change how it loads: it
    # stays loaded for them (its own modules are imported with everything forgotten).
    keep = set() if module.startswith("educert_common") else {"educert_common"}
    for name in [n for n in sys.modules if n.split(".")[0] in packages - keep]:
        del sys.modules[name]
    for collector in list(prometheus_client.REGISTRY._collector_to_names):
        if collector not in baseline:
            prometheus_client.REGISTRY.unregister(collector)

failures = {}
for module in modules:
    forget_platform(module)
    try:
        importlib.import_module(module)
    except BaseException as exc:
        lines = traceback.format_exception(exc)
        failures[module] = "".join(lines[-3:]).strip()
print(json.dumps(failures))
"""


def platform_modules() -> tuple[set[str], list[str]]:
    """The top-level packages and every module under them, found on disk (nothing imported)."""
    packages: set[str] = set()
    modules: list[str] = []
    for source in SOURCE_DIRS:
        for package in sorted(p for p in source.iterdir() if (p / "__init__.py").exists()):
            packages.add(package.name)
            for path in sorted(package.rglob("*.py")):
                parts = path.relative_to(source).with_suffix("").parts
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                modules.append(".".join(parts))
    return packages, modules


def test_every_module_imports_on_its_own() -> None:
    packages, modules = platform_modules()
    assert {"educert_common", "educert_gateway", "identity", "payment"} <= packages
    workers = max(1, min(os.cpu_count() or 1, 4))
    batches = [modules[index::workers] for index in range(workers)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, ",".join(sorted(packages)), *batch],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for batch in batches
    ]
    failures: dict[str, str] = {}
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        failures.update(json.loads(stdout.strip().splitlines()[-1]))
    report = "\n\n".join(f"{module}:\n{error}" for module, error in sorted(failures.items()))
    assert not failures, f"{len(failures)} of {len(modules)} modules fail alone:\n\n{report}"


def test_libs_common_imports_no_service() -> None:
    """libs/common (code and tests) depends on no service, not even lazily in a function."""
    packages, _ = platform_modules()
    services = packages - {"educert_common"}
    offences = []
    for path in sorted((ROOT / "libs/common").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            offences += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] in services
            ]
    assert not offences, "\n".join(offences)
