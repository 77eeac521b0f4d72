"""Password hashing (argon2id, off the event loop) and the common-password list."""

import asyncio
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from identity.config import IdentitySettings


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("identity.accounts").joinpath("common_passwords.txt").read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_common_password(password: str) -> bool:
    return password.lower() in _common_passwords()


def common_password_count() -> int:
    return len(_common_passwords())


@lru_cache(maxsize=4)
def _hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def hasher_for(settings: IdentitySettings) -> PasswordHasher:
    return _hasher(
        settings.password_memory_kib, settings.password_time_cost, settings.password_parallelism
    )


async def hash_password(password: str, settings: IdentitySettings) -> str:
    """Hash in a worker thread: argon2 takes tens of milliseconds of CPU."""
    return await asyncio.to_thread(hasher_for(settings).hash, password)


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str, settings: IdentitySettings) -> bool:
    """Verify in a worker thread; an unknown user is checked against a dummy hash (same time)."""
    hasher = hasher_for(settings)
    if stored is None:
        await asyncio.to_thread(_verify, hasher, await _dummy_hash(settings), password)
        return False
    return await asyncio.to_thread(_verify, hasher, stored, password)


def needs_rehash(stored: str, settings: IdentitySettings) -> bool:
    """True when the stored hash was made with other parameters than the current ones."""
    try:
        return hasher_for(settings).check_needs_rehash(stored)
    except InvalidHashError:
        return True


_dummy: dict[tuple[int, int, int], str] = {}


async def _dummy_hash(settings: IdentitySettings) -> str:
    key = (settings.password_memory_kib, settings.password_time_cost, settings.password_parallelism)
    if key not in _dummy:
        _dummy[key] = await asyncio.to_thread(hasher_for(settings).hash, "dummy-password-0")
    return _dummy[key]
