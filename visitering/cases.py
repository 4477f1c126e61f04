"""Validated domain objects for visitering (BEK nr. 550/2022 §§ 9-14, integrationsloven
§§ 10-12): refugee cases and what the model knows about municipalities.

A *case* (sag) is a family or a single person placed together: a family is never split
(§ 10).  Quotas count persons.  Case data is personal and sensitive: it is never logged, never
exported for municipalities' aggregate use, and appears in error messages only as ``case_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FamilyType(StrEnum):
    """Household composition, as used for municipal wishes and reception projects."""

    SINGLE_MAN = "single_man"
    SINGLE_WOMAN = "single_woman"
    COUPLE = "couple"
    FAMILY = "family"
    UNACCOMPANIED_MINOR = "unaccompanied_minor"


class JobOfferKind(StrEnum):
    """What kind of job offer a case has (BEK nr. 550/2022 § 11 stk. 4).

    Only a real offer that is not time-limited can open the § 11 stk. 4 exception, except an
    integration basic education (IGU) position, which is time-limited by nature and still
    counts.  Every offer counts for employment prospects (§ 12 stk. 1).
    """

    PERMANENT = "permanent"
    TIME_LIMITED = "time_limited"
    IGU = "igu"


class Education(StrEnum):
    """Highest completed education, for employment prospects (§ 12 stk. 1)."""

    NONE = "none"
    BASIC = "basic"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"


@dataclass(frozen=True, slots=True)
class Case:
    """One case to place: a family or a single person.

    Municipalities are kommunekoder.  Every optional field is used when present.

    Parameters
    ----------
    case_id:
        Unique id; the only personal reference allowed in logs and error messages.
    persons:
        Number of persons (≥ 1); the case takes this much of a municipality's quota.
    needs:
        Treatment needs (codes such as ``"trauma"``), weighed under § 12 stk. 2.
    close_family_kommune:
        Where close family members ("nærtstående familiemedlemmer") live: § 11 stk. 3
        exception and § 12 stk. 2.
    institution_kommune:
        Earlier placement in an institution or foster care there: § 11 stk. 3 exception.
    job_offer_kommune, job_offer_hours, job_offer_kind:
        A real job offer; at least 15 hours a week with a commute over 2 hours from the quota
        municipality opens the § 11 stk. 4 exception (the workplace or a nearby municipality),
        unless it is time-limited (an IGU position still counts, see :class:`JobOfferKind`;
        ``None``: not stated, taken as a real offer).
    latest_stay_kommune:
        Latest place of stay, e.g. the asylum centre (§ 12 stk. 3).
    special_circumstances:
        A short reason code for "ganske særlige forhold" (§ 11 stk. 3): the case may be placed
        outside the remaining quota, with that reason recorded.
    special_circumstances_kommune:
        The municipality the special circumstances point to (e.g. where the family is safe,
        or where a treatment goes on): the exception opens that municipality only.  Not given:
        it opens every municipality, and the soft terms choose.
    quota_refugee:
        UN quota refugee (udlændingelovens § 8), who may be re-placed on arrival.
    """

    case_id: str
    persons: int
    adults: int | None = None
    children: int | None = None
    family_type: FamilyType | None = None
    nationality: str | None = None
    language: str | None = None
    education: Education | None = None
    occupation: str | None = None
    needs: tuple[str, ...] = ()
    close_family_kommune: int | None = None
    institution_kommune: int | None = None
    job_offer_kommune: int | None = None
    job_offer_hours: float | None = None
    latest_stay_kommune: int | None = None
    special_circumstances: str | None = None
    quota_refugee: bool = False
    job_offer_kind: JobOfferKind | None = None
    special_circumstances_kommune: int | None = None


@dataclass(frozen=True, slots=True)
class KommuneProfil:
    """What the model knows about one municipality beyond its quota.

    Parameters
    ----------
    kode:
        kommunekode.
    treatment_offers:
        Treatment needs the municipality (or its institutions) can serve (§ 12 stk. 2).
    wished_family_types, wished_nationalities:
        Groups the municipality has asked for (a wish is weighed, never guaranteed).
    reception_projects:
        Named projects (e.g. ``"single_men"``) that make a group especially welcome.
    dwellings:
        Available dwellings by the largest household size they fit (persons → count); ``None``
        when no housing data is given (then housing never forbids a placement).
    employment:
        Employment prospects by education level, 0-100 (higher is better), for § 12 stk. 1.
    occupations:
        Occupations in demand locally (shortage lists), for § 12 stk. 1.
    """

    kode: int
    treatment_offers: frozenset[str] = frozenset()
    wished_family_types: frozenset[FamilyType] = frozenset()
    wished_nationalities: frozenset[str] = frozenset()
    reception_projects: frozenset[str] = frozenset()
    dwellings: dict[int, int] | None = None
    employment: dict[Education, int] = field(default_factory=dict)
    occupations: frozenset[str] = frozenset()
