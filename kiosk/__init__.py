"""The reception kiosk (発券機): visitors choose their purposes and get one number."""

from .views import bp

__all__ = ["bp"]
