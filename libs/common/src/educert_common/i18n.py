"""Pick Chinese or English for messages from Accept-Language."""

from typing import Literal

Language = Literal["zh", "en"]
DEFAULT_LANGUAGE: Language = "zh"


def preferred_language(accept_language: str | None) -> Language:
    """Return "zh" or "en", whichever the header ranks higher; Chinese when it says neither."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, Language]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in ("zh", "en"):
            ranked.append((-quality, position, primary))  # type: ignore[arg-type]
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
