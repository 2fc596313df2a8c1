"""Demo courses (called by `manage.py seed_demo`): published public-subject courses of
the year's topics with short lessons and a quiz, created once by title."""

from decimal import Decimal

from django.utils import timezone

from learning.models import Choice, Course, Lesson, Question, Topic

COURSES = [
    ("黄河流域生态保护和高质量发展专题", "黄河流域生态保护和高质量发展", "张教授", "6"),
    ("专业技术人员职业道德与能力建设", "专业技术人员职业道德和能力建设", "李研究员", "4"),
    ("网络安全基础与个人信息保护", "网络安全", "王工程师", "3"),
    ("数字技术赋能专业工作（演示短课）", "数字技术", "赵老师", "2"),
]


def seed() -> None:
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
