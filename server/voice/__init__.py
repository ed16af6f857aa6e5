"""Spoken calls, made offline on the server: a chime, then the number and the counter."""

from .views import bp

__all__ = ["bp"]
