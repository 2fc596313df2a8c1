"""The public front page (`/` for an anonymous visitor): sections the apps register.

Portal imports no app, so each app adds its part of the page in its AppConfig.ready,
the way it adds its part of /healthz (portal.health.register):

    front.register("topics", order=20, template="learning/_front_topics.html",
                   context=front_topics)

`context()` takes no argument (the page is the same for everybody: nothing about the
visitor may be on it), returns a dict the section's template reads as `section`, and
costs a query or two. `front_page()` calls them in `order`. What portal itself shows
(certificate verification, the contacts of section 六 of the notice, log in /
register) is in templates/portal/front.html, with the contacts below.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    """A registered part of the front page."""

    name: str
    order: int
    template: str
    context: Callable[[], dict]


@dataclass(frozen=True)
class Part:
    """A section ready to draw: its template and what `context()` returned."""

    name: str
    template: str
    section: dict


SECTIONS: dict[str, Section] = {}


def register(name: str, *, order: int, template: str, context: Callable[[], dict]) -> None:
    """Show `template` on the front page, drawn with `section` = `context()`, at
    `order` (smaller first; the notice is 10, topics 20, plans 30, bases 40,
    institutions 50). Registering a name again replaces the section."""
    SECTIONS[name] = Section(name=name, order=order, template=template, context=context)


def front_page() -> list[Part]:
    """The registered sections in order, each with its context (one call each)."""
    ordered = sorted(SECTIONS.values(), key=lambda s: (s.order, s.name))
    return [Part(name=s.name, template=s.template, section=s.context()) for s in ordered]


@dataclass(frozen=True)
class Contact:
    """A contact of the notice, as it lists it, and what she answers (`subject`)."""

    subject: str
    office: str
    person: str
    phone: str
    fax: str
    email: str


# The 2025 notice of provincial HR (../shared/domain/notice-2025.txt), section 六
# "联系人及联系方式": who answers questions about continuing education (the office)
# and about the quality-course selection (the association), as the notice writes them.
CONTACTS = (
    Contact(
        subject=_("Continuing education of professionals"),
        office="山东省人力资源和社会保障厅专业技术人员管理处",
        person="姜鹏",
        phone="0531-51788246",
        fax="0531-51788230",
        email="sdzjryxjy@shandong.cn",
    ),
    Contact(
        subject=_("Selection of quality online public courses"),
        office="山东省继续工程教育协会",
        person="吴笛",
        phone="0531-85193735",
        fax="0531-85193735",
        email="sdacee@163.com",
    ),
)
