"""What the ledger pages hand out: chart data and Excel sheets."""

from django.utils.translation import gettext as _

from credits.models import Category, Source
from credits.selectors import YearStatus, ledger_entries

CATEGORY_LABEL = dict(Category.choices)
SOURCE_LABEL = dict(Source.choices)


def history_chart_data(history: list[YearStatus]) -> dict:
    return {
        "years": [s.year for s in history],
        "public": [float(s.public) for s in history],
        "professional": [float(s.professional) for s in history],
        "public_min": [float(s.public_min or 0) for s in history],
        "professional_min": [float(s.professional_min or 0) for s in history],
        "labels": {
            "public": str(CATEGORY_LABEL[Category.PUBLIC]),
            "professional": str(CATEGORY_LABEL[Category.PROFESSIONAL]),
        },
    }


def _verdict(status: YearStatus) -> str:
    return _("met") if status.met else _("not met")


def person_record_sheets(person, history: list[YearStatus]):
    summary = (
        [
            s.year,
            float(s.public),
            float(s.professional),
            float(s.total),
            float(s.public_min or 0),
            float(s.professional_min or 0),
            _verdict(s),
            "；".join(s.shortfalls()),
        ]
        for s in history
    )
    entries = []
    for status in history:
        for entry in ledger_entries(person, status.year).order_by("recorded_at", "id"):
            entries.append(
                [
                    entry.year,
                    entry.occurred_on,
                    str(CATEGORY_LABEL[entry.category]),
                    float(entry.hours),
                    str(SOURCE_LABEL[entry.source]),
                    entry.description,
                    entry.recorded_at.astimezone().replace(tzinfo=None),
                    entry.reason,
                ]
            )
    return [
        (
            _("Yearly summary"),
            [
                "年度",
                "公需科目学时",
                "专业科目学时",
                "合计",
                "公需要求",
                "专业要求",
                "结论",
                "说明",
            ],
            summary,
        ),
        (
            _("Entries"),
            ["年度", "日期", "科目类别", "学时", "来源", "内容", "登记时间", "更正原因"],
            entries,
        ),
    ]


def staff_sheets(people, year: int, rule):
    rows = []
    for person in people.iterator(chunk_size=1000):
        status = YearStatus(
            year,
            person.public_hours,
            person.professional_hours,
            rule.public_min,
            rule.professional_min,
        )
        profile = person.profile
        rows.append(
            [
                person.real_name,
                person.id_number,
                profile.get_title_series_display(),
                profile.get_title_level_display(),
                float(status.public),
                float(status.professional),
                _verdict(status),
                "；".join(status.shortfalls()),
            ]
        )
    return [
        (
            _("Staff %(year)s") % {"year": year},
            [
                "姓名",
                "身份证号",
                "职称系列",
                "职称级别",
                "公需科目学时",
                "专业科目学时",
                "结论",
                "说明",
            ],
            rows,
        )
    ]
