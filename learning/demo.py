"""Demo courses (called by `manage.py seed_demo`): published public-subject courses of
the year's topics with short lessons and a quiz, created once by title."""

from decimal import Decimal

from django.utils import timezone

from learning.models import Choice, Course, Lesson, ProfessionalPlan, Question, Topic
from portal.models import Authority

COURSES = [
    ("黄河流域生态保护和高质量发展专题", "黄河流域生态保护和高质量发展", "张教授", "6"),
    ("专业技术人员职业道德与能力建设", "专业技术人员职业道德和能力建设", "李研究员", "4"),
    ("网络安全基础与个人信息保护", "网络安全", "王工程师", "3"),
    ("数字技术赋能专业工作（演示短课）", "数字技术", "赵老师", "2"),
]


def seed() -> None:
    seed_plan()
    year = timezone.localdate().year
    for title, topic_name, teacher, hours in COURSES:
        if Course.objects.filter(title=title).exists():
            continue
        course = Course.objects.create(
            title=title,
            summary=f"{topic_name}方向的公需科目课程。",
            teacher_name=teacher,
            category="public",
            topic=Topic.objects.filter(name=topic_name).order_by("-year").first(),
            hours=Decimal(hours),
            first_year=year - 1,
            last_year=year,
            status=Course.Status.PUBLISHED,
        )
        for order in range(1, 3):
            Lesson.objects.create(
                course=course,
                title=f"第{order}讲",
                content=f"{title}：第{order}讲的学习内容。",
                minutes=1,
                order=order,
            )
        question = Question.objects.create(course=course, text="本课程属于哪类科目？", order=1)
        Choice.objects.create(question=question, text="公需科目", correct=True)
        Choice.objects.create(question=question, text="专业科目", correct=False)


def seed_plan() -> None:
    """The health authority's published plan of the current year."""
    from credits.selectors import default_year

    authority = Authority.objects.filter(name="山东省卫生健康委员会").first()
    year = default_year()
    if authority is None or ProfessionalPlan.objects.filter(authority=authority, year=year):
        return
    plan = ProfessionalPlan.objects.create(
        authority=authority,
        year=year,
        title=f"山东省卫生健康委员会{year}年度继续教育专业科目学习方案",
        guiding="<p>更新知识结构，掌握先进技术，提升专业水平和创新能力。</p>",
        audience="全省卫生健康系统专业技术人员",
        forms="线上学习与线下培训相结合",
        channels="山东省专业技术人员继续教育公共服务平台",
        recognition="按课程学时认定，专业科目每年不少于60学时",
        organisation="各级卫生健康部门和单位组织实施",
        contacts="继续教育处 0531-00000000",
        status=ProfessionalPlan.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    for order, (topic, hours, mode) in enumerate(
        [
            ("医院感染防控新进展", 20, "online"),
            ("临床合理用药", 24, "offline"),
            ("医疗质量与安全管理", 16, "online"),
        ]
    ):
        plan.items.create(topic=topic, hours=hours, mode=mode, order=order)
