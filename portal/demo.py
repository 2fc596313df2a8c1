"""Demo data: units across Shandong, about 200 professionals and one login per role.

Deterministic (a fixed random seed) and idempotent: rows are looked up by their
natural keys (ID number, credit code, name) and only missing ones are created, so a
second run changes nothing.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from stdnum.cn import ric, uscc

from portal.models import (
    Authority,
    Base,
    City,
    Membership,
    ProfessionalProfile,
    ReviewStatus,
    Role,
    TitleLevel,
    TitleSeries,
    TrainingInstitution,
    Transfer,
    Unit,
    User,
)
from portal.reference import load_reference_data

DEMO_PASSWORD = "Demo@2025"
PROFESSIONAL_COUNT = 200
DEMO_BASE_NAME = "济南职业学院省级专业技术人员继续教育基地"

# (name, city code, authority, province-direct, self-evaluating, title series)
UNITS = [
    ("山东第一医科大学附属省立医院", "370000", "山东省卫生健康委员会", True, True, "health"),
    ("山东大学", "370000", "山东省教育厅", True, True, "higher_education"),
    (
        "山东省建筑设计研究院有限公司",
        "370000",
        "山东省住房和城乡建设厅",
        True,
        False,
        "engineering",
    ),
    ("山东省农业科学院", "370000", "山东省农业农村厅", True, True, "agriculture"),
    ("济南市中心医院", "370100", "山东省卫生健康委员会", False, False, "health"),
    ("济南市第一中学", "370100", "山东省教育厅", False, False, "school_education"),
    ("青岛市市立医院", "370200", "山东省卫生健康委员会", False, False, "health"),
    ("青岛港湾职业技术学院", "370200", "山东省教育厅", False, False, "higher_education"),
    ("淄博市中心医院", "370300", "山东省卫生健康委员会", False, False, "health"),
    ("枣庄市公路事业发展中心", "370400", "山东省交通运输厅", False, False, "engineering"),
    ("东营市农业农村发展服务中心", "370500", "山东省农业农村厅", False, False, "agriculture"),
    ("烟台毓璜顶医院", "370600", "山东省卫生健康委员会", False, False, "health"),
    ("潍坊市工业和信息化研究院", "370700", "山东省工业和信息化厅", False, False, "engineering"),
    ("济宁市第一人民医院", "370800", "山东省卫生健康委员会", False, False, "health"),
    ("泰安市水利勘测设计研究院", "370900", "山东省水利厅", False, False, "engineering"),
    ("威海市立医院", "371000", "山东省卫生健康委员会", False, False, "health"),
    ("日照市实验高级中学", "371100", "山东省教育厅", False, False, "school_education"),
    ("临沂市人民医院", "371300", "山东省卫生健康委员会", False, False, "health"),
    (
        "德州市建筑规划勘察测绘研究院",
        "371400",
        "山东省住房和城乡建设厅",
        False,
        False,
        "engineering",
    ),
    ("聊城市交通运输事业服务中心", "371500", "山东省交通运输厅", False, False, "engineering"),
    ("滨州医学院附属医院", "371600", "山东省卫生健康委员会", False, False, "health"),
    ("菏泽市农业科学院", "371700", "山东省农业农村厅", False, False, "agriculture"),
]

INSTITUTIONS = [
    ("山东数字技术工程师培训学院", "370100"),
    ("青岛智能制造技能培训中心", "370200"),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲丹建国红梅晨阳雪婷宇"
    "浩然欣怡子轩梓涵思远佳琪文博嘉怡俊杰"
)
SPECIALTIES = {
    "health": ["内科", "外科", "儿科", "护理", "药学", "医学影像"],
    "higher_education": ["计算机科学", "机械工程", "材料科学", "经济学"],
    "school_education": ["语文", "数学", "英语", "物理"],
    "engineering": ["建筑设计", "道路桥梁", "水利水电", "电子信息", "岩土工程"],
    "agriculture": ["作物栽培", "植物保护", "农业经济", "畜牧兽医"],
}


@dataclass(frozen=True)
class DemoLogin:
    roles: str
    real_name: str
    id_number: str
    phone: str


def make_id_number(area_code: str, birth: datetime.date, sequence: int) -> str:
    body = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_credit_code(region_code: str, serial: int) -> str:
    # 1 = registered by an organisation authority, 2 = public institution (事业单位).
    body = f"12{region_code}{serial:08d}X"
    return body + uscc.calc_check_digit(body)


def _area_code(city_code: str, rnd: random.Random) -> str:
    if city_code == "370000":
        city_code = "370100"  # province-direct staff live in the capital in the demo
    return city_code[:4] + f"{rnd.choice([2, 3, 4, 5, 11, 12]):02d}"


def _name(rnd: random.Random) -> str:
    given = rnd.choice(GIVEN) if rnd.random() < 0.4 else rnd.choice(GIVEN) + rnd.choice(GIVEN)
    return rnd.choice(SURNAMES) + given


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create what is missing of the demo data; return the demo logins."""
    load_reference_data(City, Authority)
    cities = {c.code: c for c in City.objects.all()}
    authorities = {a.name: a for a in Authority.objects.all()}
    password_hash = make_password(DEMO_PASSWORD)  # one hash for all: hashing is slow

    units = []
    for index, (name, city_code, authority, direct, self_eval, series) in enumerate(UNITS, 1):
        unit, _ = Unit.objects.get_or_create(
            credit_code=make_credit_code(city_code, 10_000 + index),
            defaults={
                "name": name,
                "city": cities[city_code],
                "authority": authorities[authority],
                "is_province_direct": direct,
                "is_self_evaluating": self_eval,
            },
        )
        units.append((unit, series))
    institutions = [
        TrainingInstitution.objects.get_or_create(
            credit_code=make_credit_code(city_code, 20_000 + index),
            defaults={"name": name, "city": cities[city_code]},
        )[0]
        for index, (name, city_code) in enumerate(INSTITUTIONS, 1)
    ]

    def person(
        real_name,
        phone,
        unit_with_series=None,
        sequence=0,
        status=ReviewStatus.APPROVED,
        **user_fields,
    ):
        # A generator per person: what one person draws never shifts another's data.
        rnd = random.Random(f"demo-person-{sequence}")
        city_code = unit_with_series[0].city.code if unit_with_series else "370100"
        birth = datetime.date(rnd.randint(1965, 1998), rnd.randint(1, 12), rnd.randint(1, 28))
        id_number = make_id_number(_area_code(city_code, rnd), birth, sequence)
        user, created = User.objects.get_or_create(
            id_number=id_number,
            defaults={
                "real_name": real_name,
                "phone": phone,
                "password": password_hash,
                **user_fields,
            },
        )
        if unit_with_series and created:
            unit, series = unit_with_series
            obtained = datetime.date(rnd.randint(2012, 2023), rnd.randint(1, 12), 1)
            ProfessionalProfile.objects.create(
                user=user,
                unit=unit,
                title_series=series,
                specialty=rnd.choice(SPECIALTIES[series]),
                title_level=rnd.choice(TitleLevel.values),
                title_obtained_on=obtained,
                status=status,
            )
            if status == ReviewStatus.APPROVED:
                Membership.objects.get_or_create(user=user, role=Role.PROFESSIONAL)
        return user

    # A provincial continuing-education base managed by 济南 city HR (the demo city
    # HR login approves its trainings); bases/demo.py adds its trainings.
    demo_base, _ = Base.objects.get_or_create(
        name=DEMO_BASE_NAME,
        defaults={
            "level": Base.Level.PROVINCIAL,
            "host_name": "济南职业学院",
            "host_credit_code": make_credit_code("370100", 40_001),
            "managing_city": cities["370100"],
            "fields": ["电子信息", "智能制造", "卫生健康"],
            "valid_from": datetime.date(2021, 1, 1),
            "valid_until": datetime.date(2030, 12, 31),
            "contact": "继续教育学院 0531-88990000",
        },
    )

    # The cast of demo logins (sequence numbers 900+ keep them apart from the crowd).
    hospital, central_hospital = units[0], units[4]
    cast = [
        (Role.PROFESSIONAL, person("李华", "13800000001", central_hospital, 901), {}),
        (Role.UNIT_HR, person("王芳", "13800000002", sequence=902), {"unit": central_hospital[0]}),
        (
            Role.DEPARTMENT_ADMIN,
            person("赵强", "13800000003", sequence=903),
            {"authority": authorities["山东省卫生健康委员会"]},
        ),
        (Role.CITY_HR, person("刘洋", "13800000004", sequence=904), {"city": cities["370100"]}),
        (
            Role.PROVINCE_HR,
            person("陈静", "13800000005", sequence=905, is_staff=True, is_superuser=True),
            {},
        ),
        (
            Role.INSTITUTION_STAFF,
            person("孙伟", "13800000006", sequence=906),
            {"institution": institutions[0]},
        ),
        # A doctor who is also her hospital's HR: two roles, one account.
        (Role.UNIT_HR, person("张敏", "13800000007", hospital, 907), {"unit": hospital[0]}),
        # An expert of 山东省继续工程教育协会: reviews the quality-course nominations.
        (Role.ASSOCIATION, person("郑文博", "13800000010", sequence=910), {}),
        # The staff of the demo base: proposes trainings, lists trainees, closes them.
        (Role.BASE_STAFF, person("钱志远", "13800000011", sequence=911), {"base": demo_base}),
    ]
    for role, user, scope in cast:
        Membership.objects.get_or_create(user=user, role=role, **scope)
    logins = [
        DemoLogin(
            roles=" + ".join(str(m.get_role_display()) for m in user.memberships.all()),
            real_name=user.real_name,
            id_number=user.id_number,
            phone=user.phone,
        )
        for _role, user, _scope in cast
    ]

    for number in range(1, PROFESSIONAL_COUNT + 1):
        unit_with_series = units[number % len(units)]
        real_name = _name(random.Random(f"demo-name-{number}"))
        person(real_name, f"139{number:08d}", unit_with_series, number)

    # Work waiting in the queues: a registration for 王芳, a unit for 刘洋, a transfer.
    person("周新", "13800000091", central_hospital, 991, status=ReviewStatus.PENDING)
    new_unit, created = Unit.objects.get_or_create(
        credit_code=make_credit_code("370100", 30_001),
        defaults={
            "name": "济南市历下区新设社区卫生服务中心",
            "city": cities["370100"],
            "authority": authorities["山东省卫生健康委员会"],
            "status": ReviewStatus.PENDING,
        },
    )
    if created:
        registrant = person(
            "吴敏", "13800000092", (new_unit, TitleSeries.HEALTH), 992, ReviewStatus.PENDING
        )
        new_unit.registered_by = registrant
        new_unit.save(update_fields=["registered_by"])
    mover = User.objects.get(phone="13900000001")
    if mover.profile.unit != central_hospital[0] and not mover.transfers.exists():
        Transfer.objects.create(
            person=mover, from_unit=mover.profile.unit, to_unit=central_hospital[0]
        )
    return logins
