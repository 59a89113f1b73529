"""Tests for the local Dexcom API simulator."""
