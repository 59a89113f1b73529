"""Tests of the glycemic analytics."""
