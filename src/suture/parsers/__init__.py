"""Parsers: one module per tool, each turning that tool's output into `Failure` records."""
