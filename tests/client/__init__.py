"""Tests for the Home Assistant-free Dexcom API client."""
