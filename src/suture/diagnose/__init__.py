"""Diagnose: a log in, the failures and their root causes out."""
