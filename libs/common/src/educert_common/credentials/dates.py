"""XML Schema dateTimeStamp strings, the date form of credentials and proofs."""

import re
from datetime import UTC, datetime

# dateTimeStamp: a date-time with a mandatory time zone; fractions of any length are legal
# in XML Schema but Python keeps microseconds, so longer fractions are cut to six digits.
_DATE_TIME_STAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$", re.ASCII
)


def format_datetime(moment: datetime) -> str:
    """Format an aware datetime as a UTC dateTimeStamp to the second ('2026-12-02T07:00:00Z')."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("credential dates must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: object) -> datetime:
    """Parse a dateTimeStamp string into an aware datetime, refusing anything else."""
    if not isinstance(value, str):
        raise ValueError("date must be a string")
    match = _DATE_TIME_STAMP.match(value)
    if match is None:
        raise ValueError(f"not an XML Schema dateTimeStamp: {value[:40]!r}")
    whole, fraction, zone = match.groups()
    text = whole + (f".{fraction[:6].ljust(6, '0')}" if fraction else "")
    text += "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(text)
