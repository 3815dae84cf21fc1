"""The numbers of a legacy ``numpy.random.RandomState``, read in pure Python.

NSGA-II makes each child from a ``RandomState`` reseeded for the trial and a few dozen scalar
draws (``rand()``, ``randint(m)``). Each numpy call costs more than the arithmetic it does, so
the default child path fetches the generator's raw 32-bit outputs in batches and turns them into
the same numbers numpy would, with numpy's own formulas:

* ``rand()``: two outputs ``a, b``; ``((a >> 5) * 2**26 + (b >> 6)) / 2**53``.
* ``randint(m)``: ``m == 1`` draws nothing and gives 0; otherwise outputs masked to the smallest
  ``2**k - 1 >= m - 1``, rejected until one is ``<= m - 1``.
* ``rand(n) < p``: ``n`` successive ``rand() < p``, compared on the integers (``below``).

Raw outputs come from the ``MT19937`` bit generator under the ``RandomState``
(``random_raw(n)``: the next ``n`` outputs, unchanged), so batches keep the stream in order and
fixed-seed children are the same as with direct numpy calls (``tests/samplers/test_nsga.py``
checks it against numpy).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LegacyDraws"]

_REFILL = 16


class LegacyDraws:
    """Draws equal to ``rng.rand()``, ``rng.randint(m)`` and ``rng.rand(n) < p``, made in order.

    Args:
        bits: the ``MT19937`` under a ``RandomState``, already seeded (``RandomState.seed``); it
            is advanced by whole batches, so do not draw from the ``RandomState`` while this
            reader is in use.
        expected: outputs to fetch in the first batch (a good guess saves a refill).
    """

    __slots__ = ("_bits", "_buf", "_pos")

    def __init__(self, bits: np.random.MT19937, expected: int) -> None:
        self._bits = bits
        self._buf: list[int] = bits.random_raw(max(expected, 2)).tolist()
        self._pos = 0

    def _refill(self, needed: int) -> None:
        """Make at least ``needed`` outputs available from position 0 (the unread ones kept)."""
        rest = self._buf[self._pos:]
        rest += self._bits.random_raw(max(needed - len(rest), _REFILL)).tolist()
        self._buf = rest
        self._pos = 0

    def rand(self) -> float:
        """The next ``rng.rand()``."""
        pos = self._pos
        buf = self._buf
        if pos + 2 > len(buf):
            self._refill(2)
            pos, buf = 0, self._buf
        self._pos = pos + 2
        return ((buf[pos] >> 5) * 67108864.0 + (buf[pos + 1] >> 6)) / 9007199254740992.0

    def randint(self, m: int) -> int:
        """The next ``rng.randint(m)`` (``m >= 1``)."""
        top = m - 1
        if top == 0:
            return 0
        mask = (1 << top.bit_length()) - 1
        buf = self._buf
        pos = self._pos
        while True:
            if pos == len(buf):
                self._pos = pos
                self._refill(1)
                buf, pos = self._buf, 0
            value = buf[pos] & mask
            pos += 1
            if value <= top:
                self._pos = pos
                return value

    def below(self, n: int, p: float) -> list[bool]:
        """``(rng.rand(n) < p).tolist()``."""
        pos = self._pos
        end = pos + 2 * n
        if end > len(self._buf):
            self._refill(2 * n)
            pos, end = 0, 2 * n
        buf = self._buf
        self._pos = end
        if not 0.0 < p <= 1.0:  # (NaN too) the general formula
            return [((a >> 5) * 67108864.0 + (b >> 6)) / 9007199254740992.0 < p
                    for a, b in zip(buf[pos:end:2], buf[pos + 1:end:2])]
        # The same test on the integers: with K = (a >> 5) * 2**26 + (b >> 6) < 2**53, the
        # double K / 2**53 is exact, so K / 2**53 < p iff K < p * 2**53 (exact: a power of two)
        # iff K < T = ceil(p * 2**53); split T = H * 2**26 + L, that is a >> 5 < H, or
        # a >> 5 == H and b >> 6 < L, i.e. a < 32 H, or a < 32 H + 32 and b < 64 L.
        threshold = math.ceil(p * 9007199254740992.0)
        below_a = (threshold >> 26) << 5
        tie_a = below_a + 32
        below_b = (threshold & 67108863) << 6
        return [a < below_a or (a < tie_a and b < below_b)
                for a, b in zip(buf[pos:end:2], buf[pos + 1:end:2])]
