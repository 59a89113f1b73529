"""Helpers for testing the integration against the simulator over real HTTP."""
