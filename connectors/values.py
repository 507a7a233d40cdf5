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
