"""Request and response models of the identity API."""

from pydantic import BaseModel, ConfigDict


class PublicJwk(BaseModel):
    """One RSA public key as RFC 7517 describes it."""

    model_config = ConfigDict(extra="allow")

    kty: str
    kid: str
    alg: str
    use: str
    n: str
    e: str


class JwkSet(BaseModel):
    keys: list[PublicJwk]
