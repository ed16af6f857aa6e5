"""The waiting-room display (呼出表示盤) and the small screen above each counter."""

from .views import bp

__all__ = ["bp"]
