"""``python -m orders_shared.schemas`` regenerates the validators."""

from orders_shared.schemas import write

write()
