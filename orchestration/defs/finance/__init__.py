"""Checks on the finance marts."""
