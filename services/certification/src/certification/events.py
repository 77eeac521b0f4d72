"""Events the certification service consumes (type -> handler) and emits (through the outbox)."""

from educert_common.events.consumer import EventHandler

HANDLERS: dict[str, EventHandler] = {}
