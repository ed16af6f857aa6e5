"""The HTTP JSON API."""
