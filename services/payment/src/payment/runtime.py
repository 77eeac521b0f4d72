"""Per-process parts the shared runtime does not carry: provider adapters and worker wake-ups."""

import asyncio
from typing import Annotated

from fastapi import Depends, Request

from educert_common.app import settings_dependency, settings_reader
from educert_common.audit import AuditLog
from payment.base import audit
from payment.config import PaymentSettings
from payment.providers.registry import Providers, build_providers

_BY_SETTINGS: dict[int, Providers] = {}
_refund_wakeup: asyncio.Event | None = None


def providers_for(settings: PaymentSettings) -> Providers:
    """The adapters for these settings, built once per process."""
    key = id(settings)
    if key not in _BY_SETTINGS:
        _BY_SETTINGS[key] = build_providers(settings)
    return _BY_SETTINGS[key]


async def close_providers(settings: PaymentSettings) -> None:
    providers = _BY_SETTINGS.pop(id(settings), None)
    if providers is not None:
        await providers.aclose()


def refund_wakeup() -> asyncio.Event:
    global _refund_wakeup
    if _refund_wakeup is None:
        _refund_wakeup = asyncio.Event()
    return _refund_wakeup


def wake_refund_worker() -> None:
    refund_wakeup().set()


async def _providers(request: Request) -> Providers:
    return providers_for(settings_of(request))


async def _audit() -> AuditLog:
    return audit


settings_of = settings_reader(PaymentSettings)
ProvidersDep = Annotated[Providers, Depends(_providers)]
SettingsDep = Annotated[PaymentSettings, Depends(settings_dependency(PaymentSettings))]
AuditDep = Annotated[AuditLog, Depends(_audit)]
