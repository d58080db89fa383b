"""The heal loop: capture, diagnose, fix, verify, compose, publish, in rounds."""
