"""suture: self-healing CI. Find why a build is red, write a fix, prove it, propose it."""

from __future__ import annotations

__version__ = "0.1.0"
