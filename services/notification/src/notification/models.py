"""Every table of the notification service's own database, so that `Base.metadata` (used by
Alembic) knows all of them. The tables are defined in the sub-packages, on `notification.base`."""

from notification.base import CHANNELS, LOCALES, Base, Channel, audit, messaging
from notification.deliveries.models import DELIVERY_CHANNEL, Delivery, DeliveryStatus
from notification.devmail.models import CapturedMail
from notification.inbox.models import InboxItem
from notification.limits.models import SendLogEntry, SmsBudgetDay
from notification.messages.models import Message
from notification.preferences.models import Preference
from notification.recipients.models import Recipient
from notification.routing.models import Route
from notification.templates.models import Template

__all__ = [
    "CHANNELS",
    "DELIVERY_CHANNEL",
    "LOCALES",
    "Base",
    "CapturedMail",
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "InboxItem",
    "Message",
    "Preference",
    "Recipient",
    "Route",
    "SendLogEntry",
    "SmsBudgetDay",
    "Template",
    "audit",
    "messaging",
]
