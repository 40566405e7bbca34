"""Numbers as a student sees them: exact where the inputs are (`-12`, `1.3`), rounded sensibly
otherwise (`0.73`, `-0.20`, `1.2e-05`). Full precision stays in the Trace.

One rule for every screen: an exact number whose decimal expansion ends is printed in full
(`1/2` is `0.5`, `-13/10` is `-1.3`); one whose expansion does not end (`10/7`) is rounded like
any other number (`1.43`), so that a box, an equation and the end table show it alike. Only a
student who typed a fraction (`--at x=1/3`) sees fractions: `fractions=True`, decided once for
the whole trace (`typed_fractions`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction


def fmt(x: float | Fraction | int, digits: int = 2, fractions: bool = False) -> str:
    """Format a number for display; a fraction that is no decimal (1/3) stays one only with `fractions`.

    Examples:
        >>> fmt(Fraction(-12)), fmt(Fraction(13, 10)), fmt(Fraction(10, 7)), fmt(0.7310585786300049)
        ('-12', '1.3', '1.43', '0.73')
        >>> fmt(Fraction(1, 3)), fmt(Fraction(1, 3), fractions=True), fmt(Fraction(1, 2), fractions=True)
        ('0.33', '1/3', '0.5')
        >>> fmt(Fraction(10**300)), fmt(Fraction(1, 10**300))
        ('1e+300', '1e-300')
        >>> fmt(-0.19661193324148188), fmt(2.0), fmt(1.234e-5), fmt(0.0), fmt(0.5), fmt(0.25)
        ('-0.20', '2', '1.23e-05', '0', '0.5', '0.25')
    """
    if isinstance(x, int | Fraction) and not isinstance(x, bool):
        x = Fraction(x)
        if x.denominator == 1 and abs(x.numerator) < 10**15:
            return str(x.numerator)
        if terminates(x) and abs(x) < 10**15:  # a terminating decimal: print all of it
            return _decimal(x)
        if fractions and abs(x.numerator) < 1000 and x.denominator < 1000:
            return f"{x.numerator}/{x.denominator}"
        x = float(x)
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        return str(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    short = repr(x)
    if "e" not in short and len(short.partition(".")[2]) <= digits + 1 and abs(x) < 1e5:
        return short  # a float that is a short decimal (σ(0) = 0.5) shows as itself, not as 0.50
    if 0.1 <= abs(x) < 1e5:
        return f"{x:.{digits}f}"
    if abs(x) < 1e-300:
        return "0"
    return f"{x:.{digits + 1}g}"


def terminates(x: Fraction) -> bool:
    """Whether x is a decimal of at most 12 places (1/8 = 0.125 is; 1/3, 10/7 and 1/2**40 are not).

    Examples:
        >>> terminates(Fraction(1, 8)), terminates(Fraction(10, 7)), terminates(Fraction(-3))
        (True, False, True)
    """
    den, twos_fives = x.denominator, 0
    for p in (2, 5):
        while den % p == 0:
            den //= p
            twos_fives += 1
    return den == 1 and twos_fives <= 12


def typed_fractions(inputs: Iterable[object]) -> bool:
    """Whether the student typed a fraction among the inputs (x=1/3): then fractions may stay.

    Examples:
        >>> typed_fractions([Fraction(1, 3), 2.5]), typed_fractions([Fraction(1, 2), 0.1])
        (True, False)
    """
    return any(isinstance(x, Fraction) and not terminates(x) for x in inputs)


def _decimal(x: Fraction) -> str:
    """A Fraction with a terminating decimal expansion, written out exactly."""
    sign = "-" if x < 0 else ""
    x = abs(x)
    whole, rest = divmod(x.numerator, x.denominator)
    digits = ""
    while rest:
        rest *= 10
        d, rest = divmod(rest, x.denominator)
        digits += str(d)
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def name_list(items: Sequence[str], most: int = 4, quote: bool = True) -> str:
    """A readable list of names: the first `most`, then how many more (an error stays one short line).

    Examples:
        >>> name_list(["x", "y"]), name_list([f"w{i}" for i in range(10_000)])
        ("'x', 'y'", "'w0', 'w1', 'w2', 'w3' and 9,996 more")
    """
    shown = [repr(x) if quote else x for x in items[:most]]
    return ", ".join(shown) + (f" and {len(items) - most:,} more" if len(items) > most else "")
