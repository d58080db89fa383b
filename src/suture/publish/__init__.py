"""Publish: compose the proposal for the winning verdict and hand it to a forge."""
