"""Many threads doing one thing at the same moment: how the suite and the benchmarks prove
that a conditional write (a coupon's single use, say) wins exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection


def race(act: Callable[[int], object], *, threads: int = 50, tries: int = 500) -> list[str]:
    """Run `act(n)` in `threads` threads released together, each on its own connection; one
    outcome per thread: "ok", or "refused" when it raised ValidationError. A busy database
    (OperationalError: SQLite's single writer, or its shared test database) is tried again
    after a short pause."""
    barrier, outcomes = threading.Barrier(threads), []

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            for _try in range(tries):
                try:
                    act(n)
                    outcomes.append("ok")
                except ValidationError:
                    outcomes.append("refused")
                except OperationalError:
                    time.sleep(0.005)
                    continue
                return
        finally:
            connection.close()

    running = [threading.Thread(target=attempt, args=(n,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return outcomes
