"""TOML a repository wrote, parsed so that no document can crash suture.

    loads(text) -> dict           as tomllib.loads; TOMLDecodeError for every document it cannot take

tomllib's parser recurses into nested arrays and inline tables: a 200,000-deep bracket line in a
pyproject.toml raises RecursionError, which every `except tomllib.TOMLDecodeError` lets through
as a crash. Here it is a TOMLDecodeError like any other invalid document, with its reason.
"""

from __future__ import annotations

import tomllib
from typing import Any


def loads(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or tables nested too deep") from None
