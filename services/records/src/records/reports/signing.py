"""The platform's signing keys as a route dependency (loaded once, when the app is built, so
that production refuses to start without them)."""

from typing import Annotated

from fastapi import Depends, Request

from educert_common.signing.keys import SigningKeys


async def _signing_keys(request: Request) -> SigningKeys:
    keys: SigningKeys = request.app.state.signing_keys
    return keys


SigningKeysDep = Annotated[SigningKeys, Depends(_signing_keys)]
