"""Who a message goes to, through which channels: from the event itself or the recipients table."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from notification.base import Channel
from notification.recipients.models import Recipient

_MAINLAND = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalise_mobile(value: str) -> str:
    """Drop spaces, dashes and brackets; mainland numbers become their 11 digits."""
    compact = _SEPARATORS.sub("", value.strip())
    match = _MAINLAND.match(compact)
    return match.group(1) if match else compact


def is_mainland_mobile(value: str) -> bool:
    """Only mainland (+86) mobile numbers can receive SMS."""
    return _MAINLAND.match(_SEPARATORS.sub("", value.strip())) is not None


def normalise_email(value: str) -> str:
    local, _, domain = value.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else value.strip().lower()


def destination_key(channel: str, destination: str) -> str:
    """The key send limits count under (one per number or address)."""
    if channel == Channel.EMAIL:
        return f"email:{destination.lower()}"
    return f"{channel}:{destination}"


@dataclass(frozen=True, slots=True)
class Address:
    channel: str
    destination: str | None
    # Set when this channel cannot be used (recorded as a failed delivery, never sent).
    refusal: str | None = None


def resolve_addresses(
    data: Mapping[str, Any],
    channels: Sequence[str],
    recipient: Recipient | None,
    *,
    has_user: bool,
) -> list[Address]:
    """Pick destinations for the route's channels.

    Events that carry their own destination (codes: `channel` + `destination`; activation
    links: `email`) go only there (plus the inbox): a code asked for by SMS is not also
    e-mailed. An SMS destination outside the mainland falls back to the user's e-mail when
    the route has e-mail, else it is refused. Events that name only a user reach that user's
    known contacts: SMS only to a mainland number, e-mail only to a verified address.
    """
    wanted = set(channels)
    addresses: list[Address] = []
    direct: tuple[str, str] | None = None
    if isinstance(data.get("destination"), str) and data.get("channel") in ("sms", "email"):
        direct = (str(data["channel"]), str(data["destination"]))
    elif isinstance(data.get("email"), str) and "email" in wanted:
        direct = ("email", str(data["email"]))

    if direct is not None:
        channel, destination = direct
        if channel == Channel.SMS and channel in wanted:
            if is_mainland_mobile(destination):
                addresses.append(Address(Channel.SMS, normalise_mobile(destination)))
            elif Channel.EMAIL in wanted and recipient is not None and recipient.email:
                addresses.append(Address(Channel.EMAIL, normalise_email(recipient.email)))
            else:
                addresses.append(
                    Address(Channel.SMS, normalise_mobile(destination), "sms_not_mainland")
                )
        elif channel == Channel.EMAIL and channel in wanted:
            addresses.append(Address(Channel.EMAIL, normalise_email(destination)))
    elif recipient is not None:
        mobile = recipient.mobile
        if (
            Channel.SMS in wanted
            and mobile
            and recipient.mobile_is_mainland
            and is_mainland_mobile(mobile)
        ):
            addresses.append(Address(Channel.SMS, normalise_mobile(mobile)))
        if Channel.EMAIL in wanted and recipient.email and recipient.email_verified:
            addresses.append(Address(Channel.EMAIL, normalise_email(recipient.email)))
    if Channel.INBOX in wanted and has_user:
        addresses.append(Address(Channel.INBOX, None))
    return addresses
