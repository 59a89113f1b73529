"""The browser end-to-end tests (scripts/e2e)."""
