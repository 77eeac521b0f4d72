"""Command-line tools: `educert-migrate` and `educert-platform` (what `make run` calls)."""

import argparse
import asyncio
import importlib
import sys
from pathlib import Path

from educert_common.settings import SERVICE_NAMES, PlatformSettings, ServiceSettings


def service_definition(service: str) -> tuple[Path, ServiceSettings]:
    """Return a service's migrations directory and settings, by importing its package."""
    main = importlib.import_module(f"{service}.main")
    config = importlib.import_module(f"{service}.config")
    settings_class = getattr(config, f"{service.capitalize()}Settings")
    return main.DEFINITION.migrations_dir, settings_class()


def migrate_main(argv: list[str] | None = None) -> None:
    """Create each named service's database if missing and migrate it to head."""
    from educert_common.migrations import upgrade

    parser = argparse.ArgumentParser(prog="educert-migrate", description=migrate_main.__doc__)
    parser.add_argument("services", nargs="*", metavar="SERVICE", help="default: all")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.services) - set(SERVICE_NAMES))
    if unknown:
        parser.error(
            f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(SERVICE_NAMES)}"
        )
    for service in args.services or SERVICE_NAMES:
        migrations_dir, settings = service_definition(service)
        url = settings.resolved_database_url()
        upgrade(migrations_dir, url)
        print(f"migrated {service}", flush=True)


def platform_main(argv: list[str] | None = None) -> None:
    """Check PostgreSQL and RabbitMQ, migrate, and run every process until Ctrl-C."""
    from educert_common.devrun import (
        check_infrastructure,
        run_platform,
        use_development_environment_unless_set,
    )

    parser = argparse.ArgumentParser(prog="educert-platform", description=platform_main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="say whether PostgreSQL and RabbitMQ can be reached")
    sub.add_parser("run", help="migrate and run all processes in the foreground")
    args = parser.parse_args(argv)
    use_development_environment_unless_set()
    settings = PlatformSettings()
    problems = asyncio.run(check_infrastructure(settings))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        sys.exit(2)
    if args.command == "check":
        print("PostgreSQL and RabbitMQ are reachable.")
        return
    migrate_main([])
    sys.exit(run_platform(settings))


if __name__ == "__main__":
    platform_main()
