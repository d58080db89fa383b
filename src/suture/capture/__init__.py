"""Capture: run the checks on a commit and keep what they printed and reported."""
