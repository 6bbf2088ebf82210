"""Answers that outlive their consumer: a stream run to its end in a worker thread.

A page closed or a connection dropped mid-answer must not leave the model's lock or an
answering turn held: the worker finishes the answer, and the turn is let go when it ends.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

_DONE = object()


def until_done(events: Iterator, leave: Callable[[], None]) -> Iterator:
    """``events``, then ``leave()`` once they end, fail or are closed: the turn is held
    as long as the model works on the answer, wherever that work runs."""
    try:
        yield from events
    finally:
        leave()


def drain_in_thread(events: Iterator) -> Iterator:
    """Run ``events`` to its end in a worker thread, handing items over through a queue."""
    box: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            for item in events:
                box.put(item)
        except BaseException as exc:  # re-raised in the consumer's thread
            box.put(exc)
        box.put(_DONE)

    threading.Thread(target=work, name="hoidap-answer", daemon=True).start()
    while (item := box.get()) is not _DONE:
        if isinstance(item, BaseException):
            raise item
        yield item
