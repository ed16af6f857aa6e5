"""The public appointment pages: booking (`/book/<site>`) and one's own booking (`/b/<code>`)."""

from .views import bp

__all__ = ["bp"]
