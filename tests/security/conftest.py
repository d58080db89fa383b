from __future__ import annotations

from collections.abc import Iterator

import pytest
from lab import Lab, make_lab


@pytest.fixture
def lab() -> Iterator[Lab]:
    """One attack's world: canaries, listeners, sentinels, and the user's checkout to be."""
    yield from make_lab()
