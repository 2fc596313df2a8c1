"""Achievements that count in title evaluation beside the hours (职称评审): shown on the
title-evaluation check (credits.eligibility's page) and stated on the eligibility
statement (certificates.statements).

The notice, section 二(三): a course selected as a quality online public course
(优质在线公需课) "可视同授课教师的教学成果或代表性论文，作为职称评审的重要参考"
(RULES.md "Quality online public courses"). The selection lives in `learning`, above
`credits` and `certificates` in the app order, which may not import it. So the app
that knows a kind of achievement registers a provider here from its
AppConfig.ready(), the way apps register their certificates with
certificates.registry:

    achievements.register(selected_courses_of)

and the pages ask `achievements_of(person)`, knowing nothing of the app behind each.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Achievement:
    """One achievement of a person as the check and the statement show it (all text
    already in Chinese, so that a statement can keep it as it was stated)."""

    kind: str  # what kind of achievement, e.g. 教学成果（优质在线公需课）
    title: str  # what it is, e.g. the selected course's title
    year: int  # the year it counts in, e.g. the selection's year
    decision: str  # who decided it and when, in a sentence

    def as_json(self) -> dict:
        """The achievement as a JSON object, as a statement stores it
        (certificates.models.EligibilityStatement.achievements)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Achievement":
        """The achievement `as_json` stored (other keys, such as the decision's date
        statements issued before kept, are left out)."""
        return cls(
            kind=data["kind"], title=data["title"], year=data["year"], decision=data["decision"]
        )


Provider = Callable[[object], list[Achievement]]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add `provider(person) -> list[Achievement]` (the person a user; one query, or
    a few, whoever she is); registering it twice adds it once."""
    if provider not in _providers:
        _providers.append(provider)


def achievements_of(person) -> list[Achievement]:
    """Every registered provider's achievements of `person`, newest year first, then
    by kind and title; one query per provider."""
    found = [achievement for provider in _providers for achievement in provider(person)]
    return sorted(found, key=lambda a: (-a.year, a.kind, a.title))
