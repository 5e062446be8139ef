"""Scaled decimals (Money, Quantity, Percent, Rate) read back exactly as stored, exponent included."""

import random
from decimal import Decimal

import pytest
from sqlalchemy import text

from hostico.models.base import Money, Percent, Quantity, Rate


def _divided_and_quantized(value: int, scale: int) -> Decimal:
    """The formula the readers used before moving the exponent directly (scaleb); the reference to agree with."""
    places = len(str(scale)) - 1
    return (Decimal(int(value)) / scale).quantize(Decimal(1).scaleb(-places))


def _stored_values() -> list[int]:
    rng = random.Random(25)
    edges = [0, 1, -1, 5, -5, 10, -10, 99, 100, -100, 101, 999, 1000, 1001, -1000, 10**6, 12345678,
             2**31 - 1, -(2**31), 2**53 + 1, 2**63 - 1, -(2**63)]
    spread = [rng.randint(-(10 ** rng.randint(1, 18)), 10 ** rng.randint(1, 18)) for _ in range(5000)]
    return edges + spread


@pytest.mark.parametrize("column_type", [Money, Quantity, Percent, Rate])
def test_read_values_equal_the_divided_and_quantized_formula(column_type):
    reader = column_type()
    for stored in _stored_values():
        got = reader.process_result_value(stored, None)
        want = _divided_and_quantized(stored, column_type.SCALE)
        assert got.as_tuple() == want.as_tuple(), (column_type.__name__, stored, got, want)


def test_places_follow_each_types_scale():
    assert [str(t().process_result_value(1200, None)) for t in (Money, Quantity, Percent, Rate)] == [
        "12.00", "1.200", "12.00", "0.1200"]
    assert str(Money().process_result_value(0, None)) == "0.00"
    assert str(Quantity().process_result_value(-5, None)) == "-0.005"
    assert Money().process_result_value(None, None) is None


def test_a_subclass_reads_with_its_own_scale():
    class Thousandths(Money):
        cache_ok = True
        SCALE = 1000

    assert str(Thousandths().process_result_value(1234, None)) == "1.234"


@pytest.mark.parametrize("stored", [0, -1, 1234, -120000, 2**63 - 1])
def test_values_read_through_the_database(session, stored):
    query = text("SELECT :stored AS money, :stored AS quantity").columns(money=Money(), quantity=Quantity())
    row = session.execute(query, {"stored": stored}).one()
    assert row.money.as_tuple() == _divided_and_quantized(stored, 100).as_tuple()
    assert row.quantity.as_tuple() == _divided_and_quantized(stored, 1000).as_tuple()
