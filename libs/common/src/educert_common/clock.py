"""The clock a process reads: the real one, or (development and tests) one moved forward by
the number of seconds written in a file, so tests of time windows (24 hours, validity
periods, working days) move a running process's time instead of sleeping."""

import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from educert_common.db import utcnow

Clock = Callable[[], datetime]


class OffsetClock:
    """The real time plus the seconds written in a file. The file is read again only when it
    changes, so a test moves every part of a running process forward at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._offset = timedelta()

    def __call__(self) -> datetime:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return utcnow()
        # The inode too: a test replaces the file, and two writes within one tick of the
        # file system's clock can have the same size and time.
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            text = self.path.read_text().strip()
            self._offset = timedelta(seconds=float(text or 0))
            self._stamp = stamp
        return utcnow() + self._offset


def clock_from_offset_file(offset_file: str) -> Clock:
    """The real clock, or the offset one when a file is named (settings refuse that in
    production)."""
    if offset_file:
        return OffsetClock(Path(offset_file))
    return utcnow


# The time zone dates shown to people are in (China has no daylight saving time).
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
