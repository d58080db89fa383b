"""Verify: the gatekeeper. A candidate is accepted only when the checks prove it."""
