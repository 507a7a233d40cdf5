"""Reading values out of source documents the same way in every connector."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from models.text import fold


def euro_cents(amount: object) -> int | None:
    """A euro amount (a number, or text with a '.' decimal separator) in whole cents,
    rounded half-even; None when it is not a finite number. Each connector turns None
    into its own problem, naming where in its format the amount was."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | str | Decimal):
        return None
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int((value * 100).quantize(Decimal(1)))


def address_id(address: str, cap: str | None) -> str:
    """A stable location id from an address: `Via Borsieri, 12` -> `via-borsieri-12-20159`."""
    return "-".join(fold(f"{address} {cap or ''}").split())


def percent(value: object, name: str) -> float | None:
    """A percentage from a number or text ("12.5"); whole ones stay whole (15, not 15.0),
    so that a record's content hash does not move for them. ValueError naming `name` when
    it is not a finite number (TypeError when it is not even text or a number)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError(f"{name} {value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{name} {value!r} is not a number")
    return int(number) if number == number.to_integral_value() else float(number)
