"""A time limit for one digest's CPU work, checked cooperatively by the stages that loop.

A Python thread cannot be stopped from outside, so the model work (sentence splitting, the
encoder's batches, quote scanning) calls ``check()`` between bounded steps. ``running(deadline)``
makes a ``Deadline`` the current one for the code it wraps (a context variable, so each worker
thread sees its own); with none current, ``check()`` does nothing.

A ``Deadline`` can also be cancelled from another thread (shutdown): the work stops at its next
check, so a worker is never held past the time it takes to reach one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bot.core.errors import Cancelled, TooSlow

__all__ = ["Deadline", "check", "running"]


class Deadline:
    """``seconds`` of work from when it starts; ``cancel()`` ends it early (from any thread)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends: float | None = None
        self._cancelled = threading.Event()

    def start(self) -> None:
        """Start the clock (``running`` does, so time waiting for a worker does not count)."""
        if self._ends is None:
            self._ends = time.monotonic() + self.seconds

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` or ``TooSlow`` when the work must stop now."""
        if self._cancelled.is_set():
            raise Cancelled()
        if self._ends is not None and time.monotonic() > self._ends:
            raise TooSlow(f"that took too long to summarize (over {self.seconds:g} s), so I gave up on it")


_current: ContextVar[Deadline | None] = ContextVar("precis_deadline", default=None)


@contextmanager
def running(deadline: Deadline | None) -> Iterator[Deadline | None]:
    """Make ``deadline`` the one ``check()`` sees inside the block (``None``: no limit)."""
    if deadline is not None:
        deadline.start()
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


def check() -> None:
    """Raise if the current digest's deadline has passed or it was cancelled; else return."""
    deadline = _current.get()
    if deadline is not None:
        deadline.check()
