"""Typed domain errors of the identity service (subclasses of DomainError)."""

from educert_common.errors import ServiceUnavailable, Text


class SigningKeyUnavailable(ServiceUnavailable):
    code = "signing_key_unavailable"
    title = Text("No signing key can be used right now", "暂无可用的签名密钥")
