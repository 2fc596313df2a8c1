"""Demo courses (called by `manage.py seed_demo`): published public-subject courses of
the year's topics with short lessons and a quiz, created once by title; and the
year's quality-course selection: one course selected, one shortlisted by the
association, one waiting for its experts."""

from decimal import Decimal

from django.utils import timezone

from learning.models import (
    Choice,
    Course,
    Lesson,
    ProfessionalPlan,
    QualityNomination,
    Question,
    Topic,
)
from learning.quality import services as quality
from portal.demo import DEMO_BASE_NAME
from portal.models import Authority, Base, Membership, Role, User

COURSES = [
    ("黄河流域生态保护和高质量发展专题", "黄河流域生态保护和高质量发展", "张教授", "6"),
    ("专业技术人员职业道德与能力建设", "专业技术人员职业道德和能力建设", "李研究员", "4"),
    ("网络安全基础与个人信息保护", "网络安全", "王工程师", "3"),
    ("数字技术赋能专业工作（演示短课）", "数字技术", "赵老师", "2"),
]


def seed() -> None:
    seed_plan()
    for title, topic_name, teacher, hours in COURSES:
        _course(title, topic_name, teacher, hours)
    seed_quality()


def _course(title, topic_name, teacher_name, hours, teacher=None) -> Course:
    """The published public-subject course of this title (created with two lessons and
    a question when missing), offered last year and this one."""
    year = timezone.localdate().year
    course = Course.objects.filter(title=title).first()
    if course is None:
        course = Course.objects.create(
            title=title,
            summary=f"{topic_name}方向的公需科目课程。",
            teacher_name=teacher_name,
            teacher=teacher,
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
    return course


# The quality-course selection of the default year: (title, topic, teacher's phone,
# hours, who nominates it — the teacher naming the demo base, the base, the teacher
# alone —, how far it went).
QUALITY_COURSES = [
    ("数字经济与创新驱动发展", "数字技术", "13800000001", "4", "names base", "selected"),
    ("人工智能通识与专业应用", "数字技术", "13900000010", "3", "base", "shortlisted"),
    (
        "专业技术人员心理健康与压力调适",
        "专业技术人员职业道德和能力建设",
        "13900000011",
        "2",
        "teacher",
        "pending",
    ),
]


def _member(role, **scope):
    membership = Membership.objects.filter(role=role, **scope).select_related("user").first()
    return membership.user if membership else None


def seed_quality() -> None:
    """The selection through its services (the credit of the selected course is
    posted as provincial HR's confirmation posts it): 李华's course, naming the demo
    base, reviewed, shortlisted and selected; a course the demo base nominated,
    reviewed and shortlisted (waiting for provincial HR); a teacher's course waiting
    for the experts. Without a base the base's nomination is the teacher's own;
    without an association reviewer or provincial HR the courses stop where they
    wait for them. Once: a course nominated for the year is left as it is."""
    from credits.selectors import default_year

    year = default_year()
    bases = Base.objects.filter(status=Base.Status.ACTIVE).order_by("pk")
    base = bases.filter(name=DEMO_BASE_NAME).first() or bases.first()
    base_staff = _member(Role.BASE_STAFF, base=base) if base else None
    expert = _member(Role.ASSOCIATION)
    province = _member(Role.PROVINCE_HR)
    for title, topic, phone, hours, nominator, stage in QUALITY_COURSES:
        teacher = User.objects.filter(phone=phone).first()
        if teacher is None:
            continue
        course = _course(title, topic, teacher.real_name, hours, teacher=teacher)
        if not course.first_year <= year <= course.last_year:
            continue
        if QualityNomination.objects.filter(course=course, year=year).exists():
            continue
        nomination = quality.nominate(
            course=course,
            year=year,
            nominated_by=base_staff if nominator == "base" and base_staff else teacher,
            base=base if nominator != "teacher" else None,
        )
        if stage == "pending" or expert is None:
            continue
        quality.review(
            nomination=nomination,
            reviewer=expert,
            score=92 if stage == "selected" else 88,
            comment="内容紧扣公需科目方向，案例丰富，讲解清晰。",
        )
        quality.shortlist(nomination=nomination, shortlisted_by=expert)
        if stage == "selected" and province is not None:
            quality.decide(nomination=nomination, select=True, reason="", decided_by=province)


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
