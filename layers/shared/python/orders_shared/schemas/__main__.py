"""``python -m orders_shared.schemas`` regenerates the validators and freezes newly released versions."""

from orders_shared.schemas import write

for name in write():
    print(f"released: schemas/released/{name}")
