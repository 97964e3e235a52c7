"""The counter shards' keys: a stored format, shared by the reducer that writes them and every reader."""

from __future__ import annotations

import pytest

from orders_shared.counters import all_stats_keys, revenue_attribute, stats_key


def test_counter_shard_keys_are_the_stored_ones() -> None:
    # GIVEN a deployed Orders table, whose counters live under these keys (changing the prefix or the
    # number of shards would leave its counts behind, unread)
    # WHEN the keys of every shard are listed
    keys = all_stats_keys()
    # THEN they are the sixteen keys the table holds, in shard order, none of them an order id (UUIDs)
    assert keys == [f"#stats#{shard:02d}" for shard in range(16)]
    assert stats_key(0) == "#stats#00"
    assert stats_key(15) == "#stats#15"


@pytest.mark.parametrize("shard", [-1, 16])
def test_counter_shard_outside_the_range_is_refused_with_the_range(shard: int) -> None:
    # GIVEN a shard number next to either end of the range
    # WHEN its key is asked for
    with pytest.raises(ValueError, match=r"^shard -?\d+ is outside 0\.\.15$") as raised:
        stats_key(shard)
    # THEN the error names the shard and the valid range
    assert str(raised.value) == f"shard {shard} is outside 0..15"


def test_revenue_attribute_keeps_each_currency_apart() -> None:
    # GIVEN USD (every 1.x order) and another currency
    # WHEN their revenue attributes are named
    # THEN USD keeps the attribute it had before currencies were kept, the other one its own
    assert revenue_attribute("USD") == "revenue"
    assert revenue_attribute("EUR") == "revenue_EUR"
