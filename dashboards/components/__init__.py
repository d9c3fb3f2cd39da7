"""Formatting and charts shared by the pages."""
