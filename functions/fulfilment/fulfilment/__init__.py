"""Fulfilment: a downstream service that ships completed orders, fed by the order notifications."""
