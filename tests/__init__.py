"""Tests for the dexcom_oauth custom integration."""
