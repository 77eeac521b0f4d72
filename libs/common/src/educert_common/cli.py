"""Command-line tools: `educert-migrate`, `educert-platform` (what `make run` calls) and
`educert-admin` (operator tasks: the first admin, field-key rotation)."""

import argparse
import asyncio
import importlib
import importlib.util
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
    """Check PostgreSQL and RabbitMQ, migrate, seed demo data, and run every process."""
    from educert_common.devinfra import ensure_infrastructure
    from educert_common.devrun import (
        check_infrastructure,
        run_platform,
        use_development_environment_unless_set,
    )
    from educert_common.seed import SeedRefused, refuse_in_production

    parser = argparse.ArgumentParser(prog="educert-platform", description=platform_main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="say whether PostgreSQL and RabbitMQ can be reached")
    sub.add_parser("run", help="migrate, seed and run all processes in the foreground")
    sub.add_parser("seed", help="migrate and create the demo data (development only)")
    args = parser.parse_args(argv)
    use_development_environment_unless_set()
    settings = PlatformSettings()
    if args.command == "seed":
        try:
            refuse_in_production(settings)
        except SeedRefused as refused:
            print(refused, file=sys.stderr)
            sys.exit(2)
    if args.command == "check":
        # Only says: `make test` must not start servers on a machine it was not told to.
        problems = asyncio.run(check_infrastructure(settings))
    else:
        problems = asyncio.run(ensure_infrastructure(settings))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        sys.exit(2)
    if args.command == "check":
        print("PostgreSQL and RabbitMQ are reachable.")
        return
    migrate_main([])
    demo = _seed(settings)
    if args.command == "seed":
        if demo is None:
            sys.exit(1)
        print(demo or "No service contributes demo data.")
        return
    sys.exit(run_platform(settings, banner=demo or ""))


def _seed(settings: PlatformSettings) -> str | None:
    """Seed the demo data and describe its logins ('' in production, None if seeding failed)."""
    from educert_common.devrun import gateway_url
    from educert_common.seed import SeedRefused, describe, run_seed

    try:
        logins = asyncio.run(run_seed(settings))
    except SeedRefused as reason:
        print(f"No demo data: {reason}", flush=True)
        return ""
    except Exception as failure:
        # A development convenience must not keep the platform from starting; say why.
        print(f"Demo data could not be seeded ({type(failure).__name__}: {failure})", flush=True)
        return None
    base = gateway_url(settings)
    return describe(logins, f"{base}/docs", f"{base}/api/v1/identity/login")


def admin_main(argv: list[str] | None = None) -> None:
    """Operator tasks run against a service's database (also in production)."""
    parser = argparse.ArgumentParser(prog="educert-admin", description=admin_main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser(
        "create-admin",
        help="create the first admin in identity and print a one-time password-set code",
    )
    create.add_argument("--email", required=True, help="the admin's e-mail address")
    create.add_argument("--username", default="admin", help="login name (default: admin)")
    create.add_argument(
        "--force",
        action="store_true",
        help="even though an admin exists: add another, or give an existing admin a new code",
    )
    rotate = sub.add_parser(
        "rotate-field-key",
        help="re-encrypt a service's encrypted columns under its current field key",
    )
    rotate.add_argument("service", choices=SERVICE_NAMES)
    rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    rotate.add_argument(
        "--check", action="store_true", help="only count rows per key id, change nothing"
    )
    args = parser.parse_args(argv)
    if args.command == "create-admin":
        if importlib.util.find_spec("identity") is None:
            parser.error("create-admin runs where identity is installed (its image)")
        bootstrap = importlib.import_module("identity.staff.bootstrap")
        sys.exit(bootstrap.command(email=args.email, username=args.username, force=args.force))
    sys.exit(asyncio.run(_rotate_field_key(args.service, args.batch_size, check=args.check)))


async def _rotate_field_key(service: str, batch_size: int, *, check: bool) -> int:
    from educert_common.db import Database
    from educert_common.field_keys import RotationFailed, count_by_key, rotate_columns

    if importlib.util.find_spec(service) is None:
        print(f"{service} is not installed here; run this in {service}'s image.", file=sys.stderr)
        return 2
    if importlib.util.find_spec(f"{service}.encrypted_fields") is None:
        print(f"{service} stores no encrypted columns; nothing to rotate.")
        return 0
    fields = importlib.import_module(f"{service}.encrypted_fields")
    _, settings = service_definition(service)
    columns = fields.encrypted_columns(settings)
    database = Database.connect(settings.resolved_database_url(), pool_size=2)
    try:
        if check:
            for name, counts in (await count_by_key(database, columns)).items():
                print(f"{name}: {_per_key(counts)}")
            return 0
        reports = await rotate_columns(database, columns, batch_size=max(1, batch_size))
    except RotationFailed as failure:
        print(f"rotate-field-key stopped: {failure}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()
    remaining = 0
    for report in reports:
        remaining += report.remaining
        print(
            f"{report.name}: re-encrypted {report.rotated}; now {_per_key(report.keys_after)}",
            flush=True,
        )
    current = columns[0].cipher.key_id if columns else None
    if remaining:
        print(f"{remaining} rows were busy and still use an older key: run the command again.")
        return 1
    print(f"Every encrypted value of {service} uses key id {current}; retired keys can go.")
    return 0


def _per_key(counts: dict[int, int]) -> str:
    return ", ".join(f"key {key}: {n}" for key, n in sorted(counts.items())) or "no rows"


if __name__ == "__main__":
    platform_main()
