"""Shared building blocks of the order events pipeline (the Lambda layer).

Modules are imported on demand (``from orders_shared.events import ...``) so that a function pays
at cold start only for what it uses.
"""

__version__ = "1.0.0"
