"""What every service that issues verifiable documents (records' reports, certification's
certificates) serves the same way: the public addresses printed in its documents, the
issuer's key document and signed status list, the per-address budget of codes that match
nothing, and the plumbing of the verification page and its code form."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.credentials.data_integrity import add_proof
from educert_common.credentials.multibase import encode_multikey
from educert_common.credentials.status_list import StatusList, status_list_credential
from educert_common.errors import Text, TooManyRequests
from educert_common.http.client_ip import address_key
from educert_common.i18n import Language, preferred_language
from educert_common.limits import KEY_LENGTH, RateLimits, retry_after
from educert_common.signing.keys import SigningKeys, public_jwks
from educert_common.verification.codes import normalise_code
from educert_common.verification.page import page_headers, render_code_form

# The issuer every platform document and credential names.
ISSUER_NAME = "EduCert 学历学位认证平台"
MISS_WINDOW = timedelta(hours=1)
# Status lists are republished often: a revocation shows within this long everywhere.
STATUS_LIST_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class PublicAddresses:
    """The public addresses (through the gateway) a service prints in its documents; a
    service subclasses it naming itself, where its codes are verified, and its status list."""

    base: str
    # The service's segment of /api/v1/<service>.
    service: ClassVar[str]
    # The path under the service's API that the verification page and status lists sit
    # under ("" for records' reports, "certificates/" for certification).
    documents: ClassVar[str] = ""
    status_list_id: ClassVar[str]

    @property
    def api(self) -> str:
        return f"{self.base.rstrip('/')}/api/v1/{self.service}"

    def verify_page(self, code: str) -> str:
        return f"{self.api}/{self.documents}v/{code}"

    @property
    def issuer(self) -> str:
        return f"{self.api}/issuer"

    def key_id(self, keys: SigningKeys) -> str:
        return f"{self.issuer}#{keys.credential_key_id}"

    @property
    def status_list(self) -> str:
        return f"{self.api}/{self.documents}status-lists/{self.status_list_id}"


def issuer_document(keys: SigningKeys, addresses: PublicAddresses) -> dict[str, Any]:
    """The issuer's controlled-identifier document: the Multikey a credential's proof names,
    and the JWK set with the PDF-signing certificate, for verifiers working offline."""
    return {
        "@context": ["https://www.w3.org/ns/cid/v1"],
        "id": addresses.issuer,
        "name": ISSUER_NAME,
        "verificationMethod": [
            {
                "id": addresses.key_id(keys),
                "type": "Multikey",
                "controller": addresses.issuer,
                "publicKeyMultibase": encode_multikey(keys.credential_public_key),
            }
        ],
        "assertionMethod": [addresses.key_id(keys)],
    }


def status_list_document(
    set_indexes: list[int], *, keys: SigningKeys, addresses: PublicAddresses, now: datetime
) -> dict[str, Any]:
    """The signed Bitstring Status List (revocation): a set bit is a withdrawn document."""
    bits = StatusList()
    for index in set_indexes:
        bits.set(index, True)
    credential = status_list_credential(
        list_url=addresses.status_list,
        issuer_id=addresses.issuer,
        issuer_name=ISSUER_NAME,
        purpose="revocation",
        status_list=bits,
        valid_from=now,
        ttl=STATUS_LIST_TTL,
    )
    return add_proof(
        credential, keys.credential_key, verification_method=addresses.key_id(keys), created=now
    )


class VerificationLookupsExceeded(TooManyRequests):
    code = "verification_lookups_exceeded"
    title = Text(
        "Too many codes that match nothing from this address; try again later",
        "该地址查询的无效验证码过多，请稍后再试",
    )


@dataclass(frozen=True)
class MissBudget:
    """How many codes that match nothing one client address may try per window; past it,
    every lookup from the address is refused until the window moves (codes cannot be
    guessed in bulk). Counted in the service's own `rate_events`, so replicas agree."""

    limits: RateLimits
    kind: str
    limit: int
    window: timedelta = MISS_WINDOW

    async def check(self, session: AsyncSession, client: str, now: datetime) -> None:
        """Refuse an address that already tried `limit` codes matching nothing."""
        count, oldest = await self.limits.counted_since(
            session, kind=self.kind, key=self.key(client), since=now - self.window
        )
        self.refuse_over(count, oldest, now)

    def key(self, client: str) -> str:
        """What the misses of `client` are counted under (its address key, bounded)."""
        return address_key(client)[:KEY_LENGTH]

    def refuse_over(self, count: int, oldest: datetime | None, now: datetime) -> None:
        """Refuse when `count` misses (the oldest at `oldest`) fill the window: for callers
        that read the count together with what they look up, in one statement."""
        if count >= self.limit:
            wait = retry_after(oldest, self.window, now)
            raise VerificationLookupsExceeded(headers={"Retry-After": str(wait)})

    async def count(self, session: AsyncSession, client: str, now: datetime) -> None:
        """Count one code that matched nothing against the address."""
        await self.limits.count(session, kind=self.kind, key=address_key(client), now=now)


def page_language(lang: str | None, accept_language: str | None) -> Language:
    """The page's language: `?lang=` when given, else the browser's."""
    return lang if lang in ("zh", "en") else preferred_language(accept_language)  # type: ignore[return-value]


def code_form_response(language: Language, code: str | None) -> Response:
    """The code form; a typed code goes on to its answer page (`v/<code>`, relative to the
    form's own address), a malformed one comes back with the form saying so."""
    if code:
        normalised = normalise_code(code)
        if normalised:
            return RedirectResponse(f"v/{normalised}?lang={language}", status_code=303)
        html = render_code_form(language, error="malformed", code=code)
        return HTMLResponse(html, status_code=200, headers=page_headers())
    return HTMLResponse(render_code_form(language), headers=page_headers())


def lookups_exceeded_page(
    language: Language, code: str, refused: VerificationLookupsExceeded
) -> HTMLResponse:
    """A person refused by the miss budget sees the form saying why, not a problem document."""
    return HTMLResponse(
        render_code_form(language, error="rate_limited", code=code[:40]),
        status_code=429,
        headers={**page_headers(), **refused.headers},
    )


async def _signing_keys(request: Request) -> SigningKeys:
    keys: SigningKeys = request.app.state.signing_keys
    return keys


# The platform's signing keys, loaded once by the app factory (`app.state.signing_keys`) so
# that production refuses to start without them.
SigningKeysDep = Annotated[SigningKeys, Depends(_signing_keys)]


def issuer_router(
    addresses_of: Callable[[Request], PublicAddresses], credentials: str
) -> APIRouter:
    """`GET /issuer` and `GET /issuer/jwks.json` of a service that issues verifiable
    documents: the issuer's key document (the key `credentials`' proofs name) and the
    platform's signing keys as a JWK set, for verifying offline."""
    router = APIRouter()

    async def issuer(request: Request, keys: SigningKeysDep) -> JSONResponse:
        return JSONResponse(
            issuer_document(keys, addresses_of(request)),
            headers={"Cache-Control": "public, max-age=3600"},
        )

    async def issuer_keys(keys: SigningKeysDep) -> JSONResponse:
        return JSONResponse(public_jwks(keys), headers={"Cache-Control": "public, max-age=3600"})

    router.add_api_route(
        "/issuer",
        issuer,
        methods=["GET"],
        description=f"The issuer's key document: the public key that {credentials}' proofs name.",
    )
    router.add_api_route(
        "/issuer/jwks.json",
        issuer_keys,
        methods=["GET"],
        description="The platform's signing keys as a JWK set: the credential key and the "
        "PDF-signing certificate (x5c), for verifying offline.",
    )
    return router
