"""Glycemic analytics: pure measures, AGP and episodes over readings at their true times."""
