"""Key material of the two providers: from settings in production, from a development key
directory (generated once, shared with the sandbox) everywhere else."""

import base64
import contextlib
import fcntl
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from payment.config import PaymentSettings

KEY_FILE = "keys.json"


def _new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load_private(pem: str) -> RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("an RSA private key is required")
    return key


def load_public(pem: str) -> RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, RSAPublicKey):
        raise ValueError("an RSA public key is required")
    return key


def public_pem(private_pem: str) -> str:
    return (
        load_private(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def dev_keys(directory: str | Path) -> dict[str, str]:
    """Load the development keys of both sides, creating them on first use.

    Several processes (the service, the sandbox) may start at once: an exclusive file lock
    makes exactly one of them generate the keys.
    """
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    key_file = path / KEY_FILE
    with open(path / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if key_file.exists():
                return dict(json.loads(key_file.read_text()))
            keys = {
                "wechat_merchant_serial": secrets.token_hex(20).upper(),
                "wechat_merchant_private_key": _new_private_pem(),
                "wechat_platform_serial": "PUB_KEY_ID_" + secrets.token_hex(16).upper(),
                "wechat_platform_private_key": _new_private_pem(),
                # 32 ASCII characters, as the merchant platform shows it.
                "wechat_apiv3_key": base64.b32encode(os.urandom(20)).decode()[:32],
                "alipay_app_private_key": _new_private_pem(),
                "alipay_private_key": _new_private_pem(),
            }
            temporary = key_file.with_suffix(".tmp")
            temporary.write_text(json.dumps(keys, indent=2))
            with contextlib.suppress(OSError):
                os.chmod(temporary, 0o600)
            temporary.replace(key_file)
            return keys
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class MerchantKeys:
    """What the payment service holds: its own private keys and the providers' public keys."""

    wechat_merchant_serial: str
    wechat_merchant_key: RSAPrivateKey
    wechat_platform_keys: dict[str, RSAPublicKey]
    wechat_apiv3_key: bytes
    alipay_app_key: RSAPrivateKey
    alipay_public_key: RSAPublicKey

    @classmethod
    def from_settings(cls, settings: PaymentSettings) -> "MerchantKeys":
        if settings.uses_dev_keys():
            dev = dev_keys(settings.dev_key_dir)
            return cls(
                wechat_merchant_serial=dev["wechat_merchant_serial"],
                wechat_merchant_key=load_private(dev["wechat_merchant_private_key"]),
                wechat_platform_keys={
                    dev["wechat_platform_serial"]: load_public(
                        public_pem(dev["wechat_platform_private_key"])
                    )
                },
                wechat_apiv3_key=dev["wechat_apiv3_key"].encode(),
                alipay_app_key=load_private(dev["alipay_app_private_key"]),
                alipay_public_key=load_public(public_pem(dev["alipay_private_key"])),
            )
        apiv3 = settings.wechat_apiv3_key.encode()
        if len(apiv3) != 32:
            raise ValueError("the WeChat Pay APIv3 key must have 32 bytes")
        return cls(
            wechat_merchant_serial=settings.wechat_merchant_serial,
            wechat_merchant_key=load_private(settings.wechat_merchant_private_key),
            wechat_platform_keys={
                settings.wechat_platform_serial: load_public(settings.wechat_platform_public_key)
            },
            wechat_apiv3_key=apiv3,
            alipay_app_key=load_private(settings.alipay_app_private_key),
            alipay_public_key=load_public(settings.alipay_public_key),
        )
