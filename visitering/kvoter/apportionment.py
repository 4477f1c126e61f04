"""Apportionment: turn exact quotas into whole persons that keep the total exact.

Every municipality k has an exact, unrounded quota t_k (a :class:`~fractions.Fraction`,
t_k >= 0, sum t_k == L).  An apportionment method returns integers a_k with sum a_k == L.  All
methods offered here *satisfy quota*: floor(t_k) <= a_k <= ceil(t_k) for every k, so a quota of
exactly 0 gives 0 and a whole quota is kept unchanged.  All arithmetic is exact (Python integers
after scaling to a common denominator); no floating-point number takes part in any decision.

Methods
-------
``largest-remainder`` (Hamilton; Danish *største brøkdels metode*)
    Every municipality gets floor(t_k); the seats left over go one each to the largest
    fractional remainders t_k - floor(t_k).  O(n log n).  It satisfies quota by construction but
    is *not* house monotone: raising L with the same shares can take a person away from a
    municipality (the Alabama paradox, see the tests).

``dhondt`` (Jefferson), ``sainte-lague`` (Webster), ``huntington-hill``
    Plain divisor methods are house monotone but violate quota (d'Hondt routinely gives a large
    party more than ceil(t_k)).  These three are therefore the *quota-constrained, house-monotone
    sequential* versions: the Quota method of Balinski & Young, "The Quota Method of
    Apportionment", Amer. Math. Monthly 82 (1975) 701-730, in the generalisation of Still, "A
    class of new methods for congressional apportionment", SIAM J. Appl. Math. 37 (1979)
    401-418.  With fixed shares w_k = t_k / L the house is built up one seat at a time,
    h = 0, 1, ..., L-1; seat h+1 goes to the *eligible* municipality with the highest divisor
    priority, where with s_k seats so far the priority is

    * d'Hondt: w_k / (s_k + 1),
    * Sainte-Laguë: w_k / (s_k + 1/2),
    * Huntington-Hill: w_k / sqrt(s_k (s_k + 1)), infinite at s_k = 0 (compared squared).

    Municipality i is eligible for seat h+1 (Still's test) when

    1. *upper quota*: s_i + 1 <= ceil(w_i (h+1)), and
    2. *lower quota look-ahead*: with s' = s + e_i, for every house size x with
       h+1 <= x < b_i, sum_j max(s'_j, floor(w_j x)) <= x, where b_i is the smallest house size
       at which i's own lower quota floor(w_i x) reaches s_i + 1.

    Condition 2 says that handing i the seat now still leaves room, at every later house size,
    to give every municipality its lower quota without taking seats back; from b_i on, i would
    be owed the seat anyway.  Still proved the eligible set is never empty, so every house size
    satisfies quota and a house of L+1 contains the house of L (house monotonicity).  With the
    d'Hondt priority this is Balinski and Young's Quota method.

Tie-break
---------
When two municipalities have exactly equal claim (equal remainder, or equal divisor priority
among the eligible), the one with the LOWER INDEX wins.  Callers pass municipalities sorted by
kommunekode, so exact ties go to the lowest kommunekode first.

Implementation of the look-ahead
--------------------------------
Write the *slack* of a future house size x as g(x) = x - sum_j max(s_j, floor(w_j x)).  Handing
i the seat lowers g by exactly one on [h+1, b_i) and leaves it unchanged from b_i on, so
condition 2 is g(x) >= 1 on [h+1, b_i), i.e. b_i <= Z, where Z is the first house size after h
with zero slack.  The slack of the house sizes ahead is kept in a list that is extended lazily
(floor(w_j x) steps are processed as events, not recomputed) and the zero positions are kept in
order, so each eligibility test is O(1) and each seat costs O(b_i - h) for the winner.  Beyond the
point where every seat handed out is covered by its holder's lower quota, g(x) equals
sum_j frac(w_j x), which is zero exactly at the multiples of the common denominator of the
shares, so far look-aheads need no scan.
"""

from __future__ import annotations

import enum
import heapq
import math
from collections import deque
from collections.abc import Callable, Sequence
from fractions import Fraction


class Method(enum.StrEnum):
    """A named, deterministic apportionment method that satisfies quota."""

    LARGEST_REMAINDER = "largest-remainder"  # Hamilton; Danish: største brøkdels metode
    SAINTE_LAGUE = "sainte-lague"  # Webster, quota-constrained (Still 1979)
    DHONDT = "dhondt"  # Jefferson, quota-constrained (Balinski & Young 1975)
    HUNTINGTON_HILL = "huntington-hill"  # quota-constrained (Still 1979)


METHOD_LABELS: dict[Method, str] = {
    Method.LARGEST_REMAINDER: "largest remainder (Hamilton)",
    Method.SAINTE_LAGUE: "Sainte-Laguë (Webster), quota-constrained",
    Method.DHONDT: "D'Hondt (Jefferson), quota-constrained",
    Method.HUNTINGTON_HILL: "Huntington-Hill, quota-constrained",
}
"""Short human-readable name of each method, as shown in outputs."""


def apportion(
    quotas: Sequence[Fraction], seats: int, method: Method = Method.LARGEST_REMAINDER
) -> list[int]:
    """Round exact quotas to whole numbers that sum to ``seats`` and satisfy quota.

    Parameters
    ----------
    quotas : Sequence[Fraction]
        Exact quota t_k of each municipality (``int`` is accepted too), in tie-break order:
        on an exact tie the lower index wins.
    seats : int
        The total to distribute; must equal ``sum(quotas)`` exactly.
    method : Method, optional
        The rounding method, by default :attr:`Method.LARGEST_REMAINDER`.

    Returns
    -------
    list[int]
        a_k for each municipality, with ``sum(a) == seats`` and
        ``floor(t_k) <= a_k <= ceil(t_k)``; a quota of exactly 0 gives 0.

    Raises
    ------
    ValueError
        If ``seats`` is negative, a quota is negative, or the quotas do not sum to ``seats``.
    TypeError
        If ``seats`` is not an ``int`` or a quota is not an ``int`` or ``Fraction`` (floats are
        refused: they cannot represent the exact quotas).
    """
    exact = _validated(quotas, seats)
    method = Method(method)
    if method is Method.LARGEST_REMAINDER:
        return _largest_remainder(exact, seats)
    return _quota_divisor(exact, seats, _PRIORITY[method])


def within_quota(quotas: Sequence[Fraction], allocation: Sequence[int]) -> bool:
    """Tell whether every allocation lies within floor/ceil of its exact quota.

    Parameters
    ----------
    quotas : Sequence[Fraction]
        Exact quotas t_k.
    allocation : Sequence[int]
        Whole numbers a_k, one per quota.

    Returns
    -------
    bool
        ``True`` if ``floor(t_k) <= a_k <= ceil(t_k)`` for every k.  The total is not checked.

    Raises
    ------
    ValueError
        If the two sequences differ in length.
    """
    if len(quotas) != len(allocation):
        raise ValueError(
            f"{len(allocation)} allocations for {len(quotas)} quotas; the lengths must match"
        )
    return all(math.floor(t) <= a <= math.ceil(t) for t, a in zip(quotas, allocation, strict=True))


def _validated(quotas: Sequence[Fraction], seats: int) -> list[Fraction]:
    """Check the input of :func:`apportion` and return the quotas as Fractions."""
    if not isinstance(seats, int) or isinstance(seats, bool):
        raise TypeError(f"seats must be an int, got {type(seats).__name__}")
    if seats < 0:
        raise ValueError(f"seats must be >= 0, got {seats}")
    exact: list[Fraction] = []
    for k, q in enumerate(quotas):
        if isinstance(q, bool) or not isinstance(q, int | Fraction):
            raise TypeError(f"quota {k} must be a Fraction or int, got {type(q).__name__}")
        if q < 0:
            raise ValueError(f"quota {k} is negative ({q}); quotas must be >= 0")
        exact.append(Fraction(q))
    total = sum(exact, Fraction(0))
    if total != seats:
        raise ValueError(f"the quotas sum to {total}, not to seats = {seats}; they must be equal")
    return exact


def _scaled(exact: Sequence[Fraction]) -> tuple[list[int], int]:
    """Return integers T_k and a common denominator D with t_k == T_k / D."""
    denominator = math.lcm(*(q.denominator for q in exact)) if exact else 1
    return [q.numerator * (denominator // q.denominator) for q in exact], denominator


def _largest_remainder(exact: Sequence[Fraction], seats: int) -> list[int]:
    """Hamilton: floors, then one each to the largest remainders (ties: lower index)."""
    scaled, denominator = _scaled(exact)
    allocation = [x // denominator for x in scaled]
    left = seats - sum(allocation)
    if left:
        order = sorted(range(len(scaled)), key=lambda k: (-(scaled[k] % denominator), k))
        for k in order[:left]:
            allocation[k] += 1
    return allocation


# Divisor priority of a municipality with weight numerator N and s seats, as a ratio
# num/den (den == 0 means infinite); only comparisons between municipalities are needed.
_Priority = Callable[[int, int], tuple[int, int]]

_PRIORITY: dict[Method, _Priority] = {
    Method.DHONDT: lambda n, s: (n, s + 1),
    Method.SAINTE_LAGUE: lambda n, s: (n, 2 * s + 1),
    Method.HUNTINGTON_HILL: lambda n, s: (n * n, s * (s + 1)),
}


class _Claim:
    """Heap entry: municipality ``idx`` holding ``held`` seats with priority ``num / den``.

    Orders by priority, highest first, then by lower index.  ``den == 0`` is infinite
    priority (Huntington-Hill's first seat); two infinite priorities tie.
    """

    __slots__ = ("den", "held", "idx", "num")

    def __init__(self, priority: tuple[int, int], idx: int, held: int) -> None:
        self.num, self.den = priority
        self.idx = idx
        self.held = held

    def __lt__(self, other: _Claim) -> bool:
        lhs = self.num * other.den
        rhs = other.num * self.den
        if lhs != rhs:
            return lhs > rhs
        return self.idx < other.idx


class _Slack:
    """Slack g(x) = x - sum_j max(s_j, floor(w_j x)) of the house sizes x ahead.

    The weights are w_j = nums[j] / total with ``sum(nums) == total`` and the nums coprime.
    The values for x in [base, top) are stored; ``zeros`` holds, ascending, every x in that range
    with g(x) == 0.  Since g(x) = x - sum_j floor(w_j x) - #{seats whose holder's lower quota has
    not reached them by x}, a value is computed from a running count of floor steps (events) and
    of the seats still ahead of their holders' lower quota, whose expiry house sizes are kept.
    """

    __slots__ = (
        "alive",
        "base",
        "expiring",
        "first",
        "floors",
        "horizon",
        "nums",
        "reached",
        "steps",
        "top",
        "total",
        "values",
        "zeros",
    )

    def __init__(self, nums: list[int], total: int) -> None:
        self.nums = nums
        self.total = total
        self.values: list[int] = []
        self.first = 0  # index in values of house size base
        self.base = 1
        self.top = 1
        self.zeros: deque[int] = deque()
        # house size -> municipalities whose floor(w_j x) steps up at that x
        self.steps: dict[int, list[int]] = {}
        self.reached = [0] * len(nums)  # floor(w_j (top - 1))
        self.floors = 0  # sum_j floor(w_j (top - 1))
        for j, n in enumerate(nums):
            if n:
                self.steps.setdefault(-(-total // n), []).append(j)
        # expiry x of a seat: first house size at which its holder's lower quota covers it
        self.expiring: dict[int, int] = {}
        self.alive = 0  # seats with expiry >= top
        self.horizon = 0  # largest expiry of any seat handed out

    def extend(self, limit: int, stop_at_zero: bool) -> None:
        """Compute g(x) for x = top, top+1, ... up to ``limit`` - 1 (at least one value).

        With ``stop_at_zero`` the extension stops after the first zero found.
        """
        nums, total, steps, reached = self.nums, self.total, self.steps, self.reached
        values, zeros, expiring = self.values, self.zeros, self.expiring
        x, floors, alive = self.top, self.floors, self.alive
        while True:
            for j in steps.pop(x, ()):
                floors += 1
                m = reached[j] + 1
                reached[j] = m
                steps.setdefault(-(-(m + 1) * total // nums[j]), []).append(j)
            alive -= expiring.pop(x, 0)
            value = x - floors - alive
            values.append(value)
            x += 1
            if value == 0:
                zeros.append(x - 1)
                if stop_at_zero:
                    break
            if x >= limit:
                break
        self.top, self.floors, self.alive = x, floors, alive

    def admits(self, bound: int) -> bool:
        """Tell whether g(x) >= 1 for every x in [base, bound) (Still's look-ahead)."""
        if self.zeros:
            return bound <= self.zeros[0]
        if bound <= self.top:
            return True
        if self.top < self.horizon:
            self.extend(min(bound, self.horizon), stop_at_zero=True)
            if self.zeros:
                return bound <= self.zeros[0]
            if bound <= self.top:
                return True
        # From top >= horizon on, every seat is covered by its holder's lower quota, so
        # g(x) = sum_j frac(w_j x), zero exactly at the multiples of total (the nums are coprime).
        return (bound - 1) // self.total == (self.top - 1) // self.total

    def hand_out(self, bound: int) -> None:
        """Record one more seat for a municipality whose lower quota reaches it at ``bound``.

        Lowers g by one on [base, bound); the caller has checked :meth:`admits`, so this
        creates zeros only before the existing ones.
        """
        stop = min(bound, self.top)
        if stop > self.base:
            lo = self.first
            hi = lo + (stop - self.base)
            values = self.values
            segment = values[lo:hi]
            values[lo:hi] = [v - 1 for v in segment]
            ones: list[int] = []
            k = -1
            try:
                while True:
                    k = segment.index(1, k + 1)
                    ones.append(self.base + k)
            except ValueError:
                pass
            self.zeros.extendleft(reversed(ones))
        if bound >= self.top:
            self.expiring[bound] = self.expiring.get(bound, 0) + 1
            self.alive += 1
        self.horizon = max(self.horizon, bound)

    def advance(self) -> None:
        """Move the current house size to ``base`` (whose slack must be zero)."""
        if not self.zeros or self.zeros.popleft() != self.base:
            raise RuntimeError("apportionment invariant broken: slack of the house is not zero")
        self.base += 1
        self.first += 1
        if self.first > 4096 and 2 * self.first > len(self.values):
            del self.values[: self.first]
            self.first = 0


def _quota_divisor(exact: Sequence[Fraction], seats: int, priority: _Priority) -> list[int]:
    """Still's quota-constrained, house-monotone divisor method with the given priority."""
    allocation = [0] * len(exact)
    if seats == 0:
        return allocation
    scaled, denominator = _scaled(exact)
    common = math.gcd(*scaled)
    nums = [x // common for x in scaled]
    total = seats * denominator // common  # w_j = nums[j] / total, sum(nums) == total
    # bound[j]: smallest house size at which floor(w_j x) >= allocation[j] + 1 (-1: weight 0)
    bound = [-(-total // n) if n else -1 for n in nums]
    heap = [_Claim(priority(n, 0), j, 0) for j, n in enumerate(nums) if n]
    heapq.heapify(heap)
    slack = _Slack(nums, total)
    for h in range(seats):
        house = h + 1
        if slack.top <= house:
            slack.extend(house + 1, stop_at_zero=False)
        if slack.zeros and slack.zeros[0] == house:
            # Some lower quota steps up at this house size: only its owner is eligible.
            winner = bound.index(house)
        else:
            rejected: list[_Claim] = []
            while True:
                if not heap:
                    raise RuntimeError("apportionment invariant broken: nobody is eligible")
                claim = heapq.heappop(heap)
                j = claim.idx
                if claim.held != allocation[j]:
                    continue  # stale entry, superseded after a forced seat
                if allocation[j] * total < nums[j] * house and slack.admits(bound[j]):
                    winner = j
                    break
                rejected.append(claim)
            for claim in rejected:
                heapq.heappush(heap, claim)
        slack.hand_out(bound[winner])
        held = allocation[winner] + 1
        allocation[winner] = held
        bound[winner] = -(-(held + 1) * total // nums[winner])
        heapq.heappush(heap, _Claim(priority(nums[winner], held), winner, held))
        slack.advance()
    return allocation
