"""Demo hours for the demo professionals (called by `manage.py seed_demo`).

Deterministic per person and idempotent: every entry has a fixed source_ref, so a
second run credits nothing; declarations are created only for people who have none.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from credits.declarations import declaration_create
from credits.models import ActivityKind, Category, Declaration, Source, YearRule
from credits.services import CreditRecord, credit_post_batch
from portal.models import User

PUBLIC_COURSES = [
    "习近平新时代中国特色社会主义思想专题",
    "黄河流域生态保护和高质量发展",
    "专业技术人员职业道德和能力建设",
    "数字技术应用",
    "网络安全",
]
DEMO_PROFESSIONAL_PHONE = "13800000001"  # 李华
PROFESSIONAL_TRAININGS = ["新技术新方法专题培训", "行业标准解读", "学术年会", "专业能力提升研修班"]


def _records_for(person, years) -> list[CreditRecord]:
    rnd = random.Random(f"demo-hours-{person.id_number}")
    diligence = rnd.random()  # most people comply; a few fall short
    if person.phone == DEMO_PROFESSIONAL_PHONE:
        # 李华 meets every finished year, so that her past compliant years (some
        # without a certificate, see certificates/demo.py) show on her pages.
        diligence = 1.0
    records = []
    for year in years:
        current = year == timezone.localdate().year
        public_goal = 30 if diligence > 0.15 else rnd.choice([18, 24, 27])
        professional_goal = 60 if diligence > 0.25 else rnd.choice([36, 48, 54])
        if current:  # the year is still running
            public_goal, professional_goal = public_goal // 2, professional_goal // 2
        for category, goal, names, source in (
            (Category.PUBLIC, public_goal, PUBLIC_COURSES, Source.PLATFORM),
            (Category.PROFESSIONAL, professional_goal, PROFESSIONAL_TRAININGS, Source.OFFLINE),
        ):
            earned, n = 0, 0
            while earned < goal:
                hours = min(goal - earned, rnd.choice([3, 6, 6, 12]))
                n += 1
                day = datetime.date(year, rnd.randint(1, 11 if not current else 10), 1 + n % 27)
                records.append(
                    CreditRecord(
                        person_id=person.pk,
                        year=year,
                        category=category,
                        hours=Decimal(hours),
                        source=source,
                        source_ref=f"demo:{person.id_number}:{year}:{category}:{n}",
                        description=rnd.choice(names),
                        occurred_on=day,
                    )
                )
                earned += hours
    return records


def seed() -> None:
    this_year = timezone.localdate().year
    years = [y for y in YearRule.objects.values_list("year", flat=True) if y <= this_year]
    people = User.objects.professionals().select_related("profile__unit")
    records = [record for person in people for record in _records_for(person, years)]
    credit_post_batch(records)

    # Two declarations of the demo professional wait for her unit HR (王芳).
    li_hua = people.filter(phone="13800000001").first()
    if li_hua and not Declaration.objects.filter(person=li_hua).exists():
        conference = ActivityKind.objects.get(code="conference-provincial")
        paper = ActivityKind.objects.get(code="paper-first-author")
        for kind, quantity, bonus, text in (
            (conference, Decimal(1), True, "山东省医学会2025年学术年会，提交论文并大会交流"),
            (paper, Decimal(1), False, "《中华医院感染学杂志》论文一篇，第一作者"),
        ):
            declaration_create(
                person=li_hua,
                kind=kind,
                occurred_on=datetime.date(this_year, 5, 20),
                quantity=quantity,
                with_bonus=bonus,
                description=text,
                evidence_files=[],
            )
