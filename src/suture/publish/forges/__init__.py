"""Forges publish a verified proposal. `local` (the default) needs no network."""
