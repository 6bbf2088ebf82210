"""Answers take turns: one at a time on the model, a bounded number waiting, none for ever.

Without a bound every request waits for the model in its own thread, and under load the
answers arrive a minute late instead of the server saying "busy" at once. ``Admission``
lets ``at_once`` answers run and ``max_waiting`` more wait; past that ``enter`` raises
``QueueFull``, and an answer that waits longer than ``timeout`` seconds raises
``TurnTimeout``. Both carry ``retry_after``: seconds a client should wait before retrying.

>>> a = Admission(max_waiting=0, timeout=0.01)
>>> leave = a.enter()
>>> a.admitted
1
>>> a.enter()  # doctest: +ELLIPSIS
Traceback (most recent call last):
qa.interfaces.admission.QueueFull: the server is busy: 0 questions are already waiting ...
>>> leave(); a.admitted
0
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping

DEFAULT_MAX_WAITING = 8
DEFAULT_TIMEOUT_S = 60.0
FIRST_GUESS_S = 5.0  # one answer's duration until real answers have been timed
MAX_RETRY_AFTER_S = 300


class Busy(RuntimeError):
    """The server cannot take this answer now; ``retry_after``: seconds to wait first."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class QueueFull(Busy):
    """Too many answers are already waiting for their turn."""


class TurnTimeout(Busy):
    """This answer waited longer than the timeout for its turn."""


class Admission:
    """At most ``at_once`` answers run and ``max_waiting`` more wait, each for ``timeout`` s."""

    def __init__(
        self,
        *,
        max_waiting: int = DEFAULT_MAX_WAITING,
        timeout: float = DEFAULT_TIMEOUT_S,
        at_once: int = 1,
    ):
        if max_waiting < 0 or at_once < 1 or not timeout > 0:
            raise ValueError(
                f"need max_waiting >= 0, at_once >= 1 and timeout > 0; got max_waiting="
                f"{max_waiting}, at_once={at_once}, timeout={timeout}"
            )
        self.max_waiting, self.timeout, self.at_once = max_waiting, timeout, at_once
        self._turns = threading.Semaphore(at_once)
        self._lock = threading.Lock()
        self._admitted = 0
        self._seconds = FIRST_GUESS_S  # a running average of how long one answer takes

    @property
    def admitted(self) -> int:
        """Answers running or waiting now."""
        return self._admitted

    def retry_after(self) -> int:
        """Seconds until the answers now admitted should be done: what a client should wait."""
        turns = max(1, self._admitted) / self.at_once
        return min(MAX_RETRY_AFTER_S, max(1, math.ceil(self._seconds * turns)))

    def enter(self) -> Callable[[], None]:
        """Wait for a turn; returns ``leave``, to call (once or more) when the answer is done."""
        with self._lock:
            waiting = max(0, self._admitted - self.at_once)
            if self._admitted >= self.at_once + self.max_waiting:
                raise QueueFull(
                    f"the server is busy: {waiting} questions are already waiting for an "
                    f"answer (at most {self.max_waiting}, HOIDAP_MAX_WAITING); try again in "
                    f"{self.retry_after()} s",
                    self.retry_after(),
                )
            self._admitted += 1
        if not self._turns.acquire(timeout=self.timeout):
            with self._lock:
                self._admitted -= 1
            raise TurnTimeout(
                f"the server is busy: this question waited {self.timeout:g} s for its turn "
                f"(HOIDAP_ANSWER_TIMEOUT) and was dropped; try again in {self.retry_after()} s",
                self.retry_after(),
            )
        return self._leaver(time.monotonic())

    def _leaver(self, started: float) -> Callable[[], None]:
        done = threading.Event()  # leaving twice (an error path, then a finally) is harmless

        def leave() -> None:
            with self._lock:
                if done.is_set():
                    return
                done.set()
                self._admitted -= 1
                self._seconds = 0.8 * self._seconds + 0.2 * (time.monotonic() - started)
            self._turns.release()

        return leave


def admission_from_env(environ: Mapping[str, str]) -> Admission:
    """``HOIDAP_MAX_WAITING`` (answers that may wait) and ``HOIDAP_ANSWER_TIMEOUT`` (seconds
    one may wait for its turn); unset means the defaults, a bad value a ``ValueError``.

    >>> admission_from_env({"HOIDAP_MAX_WAITING": "2"}).max_waiting
    2
    """
    waiting = _number(environ, "HOIDAP_MAX_WAITING", int, DEFAULT_MAX_WAITING)
    timeout = _number(environ, "HOIDAP_ANSWER_TIMEOUT", float, DEFAULT_TIMEOUT_S)
    if waiting < 0:
        raise ValueError(f"HOIDAP_MAX_WAITING must be 0 or more, got {waiting}")
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(
            f"HOIDAP_ANSWER_TIMEOUT must be a number of seconds above 0, got {timeout}"
        )
    return Admission(max_waiting=waiting, timeout=timeout)


def _number(environ: Mapping[str, str], name: str, kind: type, default):
    text = (environ.get(name) or "").strip()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number of seconds"
        raise ValueError(f"{name} must be {what}, got {text!r}") from None
