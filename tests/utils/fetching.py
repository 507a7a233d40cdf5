"""Test doubles for the fetcher's waiting."""

from __future__ import annotations


class Sleeps:
    """Records the delays the fetcher asks for instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
