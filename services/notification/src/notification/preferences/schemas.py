"""Request and response models of preferences."""

from pydantic import BaseModel

from notification.schemas import RequestModel


class PreferencesIn(RequestModel):
    mute_non_essential: bool


class PreferencesOut(BaseModel):
    mute_non_essential: bool
    # Event types whose SMS and e-mail arrive even when muted (enabled essential routes, the
    # rule delivery applies); the inbox copy of every message arrives either way.
    essential_event_types: list[str]
