"""Request and response models of preferences."""

from pydantic import BaseModel

from notification.schemas import RequestModel


class PreferencesIn(RequestModel):
    mute_non_essential: bool


class PreferencesOut(BaseModel):
    mute_non_essential: bool
    # Always delivered, whatever is muted.
    essential_event_types: list[str]
