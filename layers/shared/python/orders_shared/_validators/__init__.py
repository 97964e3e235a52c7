"""Validators generated from orders_shared/schemas."""
