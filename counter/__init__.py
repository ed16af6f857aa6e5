"""The counter console (窓口端末): staff log in, call numbers and serve visitors."""

from .views import bp

__all__ = ["bp"]
