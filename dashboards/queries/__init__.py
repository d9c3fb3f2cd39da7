"""Cached, parameterized reads of the marts."""
