"""Per-request context that travels into logs and events."""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def current_correlation_id() -> str | None:
    """Return the id that ties this unit of work to the request or event that caused it."""
    return correlation_id_var.get() or request_id_var.get()
