"""Ranks as leaderboards show them."""

from __future__ import annotations

from collections.abc import Sequence


def competition_ranks(values: Sequence[object]) -> list[int]:
    """Ranks of `values`, already sorted best first, where ties share a rank and the next
    rank skips as many places (1, 2, 2, 4): the rule of every ranking siyu shows."""
    ranks: list[int] = []
    for position, value in enumerate(values, start=1):
        ranks.append(ranks[-1] if ranks and value == values[position - 2] else position)
    return ranks
