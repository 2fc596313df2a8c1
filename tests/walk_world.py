"""The world the URL walk (tests/portal/test_url_walk.py) requests every page about.

Two sets of objects of every kind the portal keeps, one inside the scope of unit A
(alice, hr_a, 济南, the health authority, an institution in 济南) and one inside the
scope of unit B (bob, hr_b, 青岛, the education authority, an institution in 青岛).

Generic ids: before each set is made, every sequence of the database is moved to a
fixed base (`A_BASE`, `B_BASE`), so the first row of every table in set A has the id
700001, the second 700002, and so on; set B's rows start at 800001. A URL with an id
in it can then be tried with `ids("A")` and `ids("B")` without knowing which model
the id names. `saved_sequences` / `restore_sequences` put the sequences back
afterwards (a sequence is not rolled back with the transaction).

Every person-identifying or private text of set B carries `CANARY` (bob's name, unit
B's name, declaration texts, reasons, file names and file contents …); what is meant
to be public (published course titles and teachers, published plans, institution
names) does not. Set A carries no canary: nobody is outside A's scope but B's people,
and the walk checks the canary only for the members outside B's scope.

Models are read from the app registry (`apps.get_model`), so that moving a model
between an app's modules does not break the world; the ledger is written through
`credits.services.credit_post` (its one way in) and the digital-engineer classes
through the factories every other test uses.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from portal.models import Membership, ReviewStatus, Role, Transfer, User
from tests.factories import (
    AuthorityFactory,
    BaseFactory,
    CityFactory,
    InstitutionFactory,
    UnitFactory,
    UserFactory,
    make_member,
    make_passed_trainee,
    make_professional,
    make_training_certificate,
    make_training_class,
    move,
)

CANARY = "界外金丝雀"
A_BASE = 700_000
B_BASE = 800_000
# How many ids of each set the walk tries: every table that a URL's id names has at
# least one row of each set, the main ones three (in different states).
PER_SET = 3
# The largest id the `<pk:…>` converter passes (18 digits): no row has it.
HUGE_PK = 999_999_999_999_999_999
PAST_YEAR = 2025  # a completed year: ledger, certificates, statements
THIS_YEAR = 2026  # plans, filings (the clock of these tests is the real one)

SIDES = ("A", "B")
BASES = {"A": A_BASE, "B": B_BASE}


def ids(side: str) -> list[int]:
    """The ids of `side`'s first PER_SET rows of every table."""
    return [BASES[side] + n for n in range(1, PER_SET + 1)]


def model(label: str):
    app_label, name = label.split(".")
    return apps.get_model(app_label, name)


# -- sequences ------------------------------------------------------------------------


def _sequences() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )
        return [name for (name,) in cursor.fetchall()]


def saved_sequences() -> list[tuple[str, int, bool]]:
    """(sequence, last_value, is_called) of every sequence of the database."""
    saved = []
    with connection.cursor() as cursor:
        for name in _sequences():
            cursor.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608
            last_value, is_called = cursor.fetchone()
            saved.append((name, last_value, is_called))
    return saved


def restore_sequences(saved: list[tuple[str, int, bool]]) -> None:
    with connection.cursor() as cursor:
        for name, last_value, is_called in saved:
            cursor.execute("SELECT setval(%s, %s, %s)", [name, last_value, is_called])


def move_sequences(base: int) -> None:
    """Make the next id of every table base + 1."""
    with connection.cursor() as cursor:
        for name in _sequences():
            cursor.execute("SELECT setval(%s, %s)", [name, base])


# -- the cast ------------------------------------------------------------------------


def make_cast() -> dict:
    """The cast of tests/conftest.py (`cast`), made the same way: the world lives for
    a whole module, longer than those function-scoped fixtures."""
    jinan = CityFactory(code="370100", name="济南市")
    qingdao = CityFactory(code="370200", name="青岛市")
    health = AuthorityFactory(name="山东省卫生健康委员会")
    education = AuthorityFactory(name="山东省教育厅")
    unit_a = UnitFactory(name="济南测试医院", city=jinan, authority=health)
    unit_b = UnitFactory(name="青岛测试学校", city=qingdao, authority=education)
    institution = InstitutionFactory(city=jinan)
    base = BaseFactory(name="济南测试继续教育基地", managing_city=jinan)
    return {
        "alice": make_professional(unit_a, real_name="艾丽丝"),
        "bob": make_professional(unit_b, real_name="鲍勃"),
        "hr_a": make_member(Role.UNIT_HR, UserFactory(real_name="甲单位人事"), unit=unit_a),
        "hr_b": make_member(Role.UNIT_HR, UserFactory(real_name="乙单位人事"), unit=unit_b),
        "health_admin": make_member(
            Role.DEPARTMENT_ADMIN, UserFactory(real_name="卫健委管理员"), authority=health
        ),
        "jinan_hr": make_member(Role.CITY_HR, UserFactory(real_name="济南人社"), city=jinan),
        "qingdao_hr": make_member(Role.CITY_HR, UserFactory(real_name="青岛人社"), city=qingdao),
        "province_hr": make_member(Role.PROVINCE_HR, UserFactory(real_name="省人社")),
        "institution_staff": make_member(
            Role.INSTITUTION_STAFF, UserFactory(real_name="机构管理员"), institution=institution
        ),
        "base_staff": make_member(Role.BASE_STAFF, UserFactory(real_name="基地管理员"), base=base),
        "association": make_member(Role.ASSOCIATION, UserFactory(real_name="协会评审专家")),
    }


# -- one set ---------------------------------------------------------------------------


@dataclass
class Side:
    """One set's scope and what was made in it."""

    name: str
    mark: str  # put into every private text: CANARY for B, nothing for A
    professional: User
    hr: User
    city_hr: User
    admin: User
    unit: object
    institution: object = None
    base: object = None  # its continuing-education base (managed by its city)
    codes: list[str] = field(default_factory=list)  # verification codes
    id_numbers: list[str] = field(default_factory=list)  # of its people

    @property
    def city(self):
        return self.unit.city

    @property
    def authority(self):
        return self.unit.authority


@dataclass
class World:
    cast: dict
    sides: dict  # "A" / "B" → Side
    platform_codes: list[str]

    def codes(self, side: str) -> list[str]:
        return self.sides[side].codes

    def first_codes(self) -> list[str]:
        return [self.codes(side)[0] for side in SIDES]

    def secrets_of_b(self) -> list[bytes]:
        """What no member outside B's scope may read: the canary, and the full ID
        numbers of B's people (masked ones are fine)."""
        return [CANARY.encode(), *(number.encode() for number in self.sides["B"].id_numbers)]


def _file(content: str, name: str) -> ContentFile:
    return ContentFile(content.encode(), name=name)


def _pdf(text: str) -> bytes:
    # Not a real PDF: a stored file whose text a leak would show verbatim.
    return f"%PDF-1.4\n% {text}\n%%EOF\n".encode()


def _store_pdf(instance, text: str, name: str) -> None:
    content = _pdf(text)
    instance.pdf.save(name, ContentFile(content), save=False)
    if hasattr(instance, "pdf_sha256"):
        instance.pdf_sha256 = hashlib.sha256(content).hexdigest()
    instance.save()


def build_side(side: Side, province_hr: User) -> None:
    """Make set `side.name`'s objects; every table's first row gets the set's base + 1."""
    from credits.models import Category, Source
    from credits.services import credit_post

    move_sequences(BASES[side.name])
    m, t = side.mark, "甲" if side.name == "A" else "乙"
    tag = side.name  # ASCII, for serials and references
    now = timezone.now()
    prof, hr = side.professional, side.hr
    if side.base is None:  # B's base (public: its name carries no canary)
        side.base = BaseFactory(name=f"{t}测试继续教育基地", managing_city=side.city)

    # People: users base+1 … base+4 (an approved professional, a pending
    # registration, a former member of the unit, a unit's registrant).
    p1 = make_professional(side.unit, real_name=f"{t}员工{m}")
    p2 = make_professional(side.unit, real_name=f"{t}待审{m}")
    model("portal.ProfessionalProfile").objects.filter(user=p2).update(status=ReviewStatus.PENDING)
    p3 = make_professional(side.unit, real_name=f"{t}调出{m}")
    registrant = UserFactory(real_name=f"{t}注册人{m}")

    # Units: a pending registration, a second unit of the scope, a rejected one.
    UnitFactory(
        name=f"{t}待审单位{m}",
        city=side.city,
        authority=side.authority,
        status=ReviewStatus.PENDING,
        registered_by=registrant,
    )
    unit2 = UnitFactory(name=f"{t}第二单位{m}", city=side.city, authority=side.authority)
    UnitFactory(
        name=f"{t}驳回单位{m}",
        city=side.city,
        authority=side.authority,
        status=ReviewStatus.REJECTED,
        rejection_reason=f"材料不全{m}",
        registered_by=registrant,
    )

    # Transfers: p1 asks to move to unit2 (open); p3 moved there (completed, so the
    # unit keeps reading her past years: PastEmployment base+1).
    Transfer.objects.create(person=p1, from_unit=side.unit, to_unit=unit2, reason=f"调动{m}")
    move(p3, side.unit, unit2)

    # The ledger: entries base+1 … base+4.
    entries = [
        credit_post(
            person=person,
            year=year,
            category=category,
            hours=Decimal(hours),
            source=source,
            source_ref=f"walk-{tag}-{n}",
            description=f"{t}学习内容{m}",
            recorded_by=recorder,
            recorded_unit=side.unit if recorder else None,
        )[0]
        for n, (person, year, category, hours, source, recorder) in enumerate(
            [
                (prof, PAST_YEAR, Category.PUBLIC, 30, Source.COURSE, None),
                (prof, PAST_YEAR, Category.PROFESSIONAL, 60, Source.OFFLINE, hr),
                (p1, PAST_YEAR, Category.PUBLIC, 12, Source.OFFLINE, hr),
                (prof, PAST_YEAR - 1, Category.PUBLIC, 6, Source.DECLARATION, None),
            ]
        )
    ]

    # Declarations: under review (with evidence), approved, rejected.
    Declaration = model("credits.Declaration")
    kind = model("credits.ActivityKind").objects.filter(active=True).order_by("order", "pk")[0]
    status = Declaration.Status
    declarations = [
        Declaration.objects.create(
            person=person,
            unit=side.unit,
            kind=kind,
            occurred_on=datetime.date(PAST_YEAR, 3, 1),
            quantity=Decimal(1),
            description=f"{t}申报说明{m}",
            claimed_hours=Decimal(6),
            approved_hours=Decimal(6) if state == status.APPROVED else None,
            status=state,
            credit=credit,
        )
        for person, state, credit in [
            (prof, status.UNIT_REVIEW, None),
            (prof, status.APPROVED, entries[3]),
            (p1, status.REJECTED, None),
        ]
    ]
    Evidence = model("credits.Evidence")
    for declaration in declarations[:2]:
        content = _pdf(f"证明材料{m}")
        evidence = Evidence(
            declaration=declaration,
            original_name=f"证明{m}.pdf",
            content_type="application/pdf",
            size=len(content),
        )
        evidence.file.save(f"walk-{tag}.pdf", ContentFile(content), save=False)
        evidence.save()
    Review = model("credits.Review")
    Review.objects.create(
        declaration=declarations[1],
        level=Review.Level.UNIT,
        decision=Review.Decision.APPROVE,
        hours=Decimal(6),
        reviewer=hr,
    )
    Review.objects.create(
        declaration=declarations[2],
        level=Review.Level.UNIT,
        decision=Review.Decision.REJECT,
        reason=f"证明不足{m}",
        reviewer=hr,
    )

    # Offline hours: an upload waiting for confirmation, a file being read.
    model("credits.OfflineUpload").objects.create(
        unit=side.unit,
        uploaded_by=hr,
        file_name=f"线下学时{m}.xlsx",
        sha256="0" * 64,
        rows=[
            {
                "row": 2,
                "person_id": prof.pk,
                "id_number": prof.id_number,
                "name": prof.real_name,
                "category": "public",
                "hours": "3",
                "date": f"{PAST_YEAR}-05-01",
                "content": f"线下培训{m}",
                "key": f"walk-{tag}",
            }
        ],
    )
    model("credits.OfflineParseJob").objects.create(
        requested_by=hr, unit=side.unit, file_name=f"线下学时{m}.xlsx", status="running"
    )

    # Compliance reports: the HR's own (done, with files), the city's scheduled one,
    # the department admin's (failed).
    ReportJob = model("credits.ReportJob")
    for requester, scope, target in [
        (hr, ReportJob.Scope.UNIT, {"unit": side.unit}),
        (None, ReportJob.Scope.CITY, {"city": side.city}),
        (side.admin, ReportJob.Scope.AUTHORITY, {"authority": side.authority}),
    ]:
        report = ReportJob(
            requested_by=requester,
            year=PAST_YEAR,
            scope=scope,
            status="done" if requester is not side.admin else "failed",
            error="" if requester is not side.admin else f"处理失败{m}",
            expires_at=now + datetime.timedelta(days=30),
            **target,
        )
        if requester is not side.admin:
            report.xlsx.save(f"walk-{tag}.xlsx", _file(f"{prof.real_name}{m}", "r.xlsx"), False)
            report.pdf.save(f"walk-{tag}.pdf", ContentFile(_pdf(f"报表{m}")), save=False)
        report.save()

    # Annual certificates: valid with its PDF, revoked, valid without a PDF yet.
    Certificate = model("certificates.Certificate")
    certificates = []
    for n, (person, year, state) in enumerate(
        [
            (prof, PAST_YEAR, Certificate.Status.VALID),
            (prof, PAST_YEAR - 1, Certificate.Status.REVOKED),
            (p1, PAST_YEAR, Certificate.Status.VALID),
        ],
        start=1,
    ):
        certificate = Certificate.objects.create(
            person=person,
            year=year,
            serial=f"WALK{tag}{year}{n:04d}",
            real_name=person.real_name,
            id_number=person.id_number,
            unit_name=side.unit.name,
            unit=side.unit,
            public_hours=Decimal(30),
            professional_hours=Decimal(60),
            total_hours=Decimal(90),
            issuer_name=side.unit.name,
            issued_by=hr,
            status=state,
            revoked_at=now if state == Certificate.Status.REVOKED else None,
            revoked_reason=f"更正{m}" if state == Certificate.Status.REVOKED else "",
            revocation_category="other" if state == Certificate.Status.REVOKED else "",
            revoked_by=hr if state == Certificate.Status.REVOKED else None,
        )
        if n == 1:
            _store_pdf(certificate, f"{person.real_name}{m}", f"walk-{tag}-cert.pdf")
        certificates.append(certificate)
        side.codes.append(certificate.verification_code)
    IssuanceBatch = model("certificates.IssuanceBatch")
    batch = IssuanceBatch.objects.create(
        requested_by=hr, year=PAST_YEAR, unit=side.unit, status="done", total=2, done=1, failed=1
    )
    model("certificates.BatchFailure").objects.create(
        batch=batch, person=p1, year=PAST_YEAR, reason=f"{p1.real_name}未达标{m}"
    )
    IssuanceBatch.objects.create(
        requested_by=province_hr, year=PAST_YEAR, city=side.city, status="running"
    )
    bundle = model("certificates.Bundle")(
        requested_by=hr, year=PAST_YEAR, unit=side.unit, status="done"
    )
    _store_pdf(bundle, f"{prof.real_name}{m}", f"walk-{tag}-bundle.pdf")
    statement = model("certificates.EligibilityStatement")(
        person=prof,
        start_year=PAST_YEAR - 4,
        end_year=PAST_YEAR,
        met=True,
        serial=f"WALKZM{tag}0001",
        real_name=prof.real_name,
        id_number=prof.id_number,
        unit_name=side.unit.name,
        issuer_name=side.unit.name,
        issued_by=hr,
    )
    _store_pdf(statement, f"{prof.real_name}{m}", f"walk-{tag}-statement.pdf")
    model("certificates.StatementYear").objects.create(
        statement=statement,
        year=PAST_YEAR,
        public_hours=Decimal(30),
        professional_hours=Decimal(60),
        public_min=Decimal(30),
        professional_min=Decimal(60),
        met=True,
    )
    document = model("certificates.TitleDocument")(
        person=prof,
        serial=f"WALKHD{tag}0001",
        real_name=prof.real_name,
        id_number=prof.id_number,
        unit_name=side.unit.name,
        issuer_name=side.unit.name,
        issued_by=prof,
    )
    _store_pdf(document, f"{prof.real_name}{m}", f"walk-{tag}-title.pdf")
    document.certificates.add(certificates[0])
    side.codes += [statement.verification_code, document.verification_code]
    # A registration check by the side's authority of its professional (base + 1).
    check = model("certificates.RegistrationCheck")(
        authority=side.authority,
        kind=f"执业注册{m}",
        purpose=f"第一批{m}",
        requested_by=side.admin,
        serial=f"WALKZC{tag}0001",
    )
    _store_pdf(check, f"{prof.real_name}{m}", f"walk-{tag}-check.pdf")
    model("certificates.RegistrationCheckRow").objects.create(
        check_run=check,
        line=2,
        id_number=prof.id_number,
        real_name=prof.real_name,
        year=PAST_YEAR,
        found=True,
        met=True,
    )
    side.codes.append(check.verification_code)

    # Platforms: a key, a batch of two records (credited, rejected), a file import.
    platform = model("learning.Platform").objects.order_by("code")[0]
    key = model("learning.PlatformKey").objects.create(
        platform=platform, key_id=f"{platform.code}-walk{tag.lower()}", secret="0" * 64
    )
    received = model("learning.ReceivedBatch").objects.create(
        platform=platform, channel="file", key=key, record_count=2
    )
    PlatformRecord = model("learning.PlatformRecord")
    for n, (person, name, outcome, reason) in enumerate(
        [
            (prof, prof.real_name, "credited", ""),
            (None, f"无此人{m}", "rejected", f"查无此人{m}"),
        ],
        start=1,
    ):
        raw = {"external_id": f"walk-{tag}-{n}", "name": name, "hours": 6}
        if person:
            raw["id_number"] = person.id_number
        PlatformRecord.objects.create(
            batch=received,
            platform=platform,
            raw=raw,
            external_id=f"walk-{tag}-{n}",
            id_number=person.id_number if person else "",
            name=name,
            course_title="公需课",
            hours=Decimal(6),
            category="public",
            completed_at=now,
            year=PAST_YEAR,
            outcome=outcome,
            reason=reason,
            person=person,
            credit=entries[0] if person else None,
        )
    job = model("learning.ImportJob")(
        requested_by=province_hr,
        platform=platform,
        file_name=f"导入{m}.xlsx",
        status="done",
        preview={"rows": 2, "new": 1, "rejected": 1, "reasons": [[f"查无此人{m}", 1]]},
    )
    job.file.save(f"walk-{tag}.csv", _file(f"{prof.real_name}{m}", "i.csv"), save=False)
    job.save()

    # Courses: a published professional course of the authority the professional
    # teaches (nominated), a published public course (lessons, a question, alice's or
    # bob's enrolment with every lesson done: the quiz is open), a draft.
    Course = model("learning.Course")
    taught = Course.objects.create(
        title=f"{t}专业课程",
        teacher_name=f"{t}主讲",
        teacher=prof,
        category=Category.PROFESSIONAL,
        authority=side.authority,
        hours=Decimal(3),
        first_year=PAST_YEAR - 1,
        last_year=THIS_YEAR + 1,
        status=Course.Status.PUBLISHED,
    )
    public = Course.objects.create(
        title=f"{t}公需课程",
        teacher_name=f"{t}讲师",
        category=Category.PUBLIC,
        hours=Decimal(3),
        first_year=PAST_YEAR - 1,
        last_year=THIS_YEAR + 1,
        status=Course.Status.PUBLISHED,
    )
    draft = Course.objects.create(
        title=f"{t}草稿课程{m}",
        summary=f"未发布{m}",
        teacher_name=f"{t}草稿讲师{m}",
        category=Category.PROFESSIONAL,
        authority=side.authority,
        hours=Decimal(2),
        first_year=THIS_YEAR,
        last_year=THIS_YEAR,
    )
    Lesson = model("learning.Lesson")
    lessons = [
        Lesson.objects.create(course=public, title=f"{t}第一讲", minutes=1, order=1),
        Lesson.objects.create(course=public, title=f"{t}第二讲", minutes=1, order=2),
        Lesson.objects.create(course=draft, title=f"{t}草稿讲{m}", minutes=1, order=1),
    ]
    Question = model("learning.Question")
    Choice = model("learning.Choice")
    for course, text in [(public, f"{t}问题"), (draft, f"{t}草稿问题{m}")]:
        question = Question.objects.create(course=course, text=text)
        Choice.objects.create(question=question, text="对", correct=True)
        Choice.objects.create(question=question, text="错")
    enrolment = model("learning.Enrolment").objects.create(person=prof, course=public)
    for lesson in lessons[:2]:
        model("learning.LessonProgress").objects.create(
            enrolment=enrolment, lesson=lesson, seconds=Decimal(60), done_at=now
        )
    nomination = model("learning.QualityNomination").objects.create(
        course=taught, year=PAST_YEAR, nominated_by=prof, base=side.base
    )
    model("learning.QualityReview").objects.create(
        nomination=nomination, reviewer=province_hr, score=88, comment=f"评审意见{m}"
    )

    # Offline sessions: the unit's (alice or bob attends), the authority's, the province's.
    OfflineSession = model("learning.OfflineSession")
    session = OfflineSession.objects.create(
        title=f"{t}单位培训{m}",
        category=Category.PROFESSIONAL,
        hours=Decimal(3),
        held_on=datetime.date(PAST_YEAR, 4, 1),
        place=f"会议室{m}",
        unit=side.unit,
        created_by=hr,
    )
    model("learning.Attendance").objects.create(session=session, person=prof)
    OfflineSession.objects.create(
        title=f"{t}行业培训{m}",
        category=Category.PROFESSIONAL,
        hours=Decimal(3),
        held_on=datetime.date(PAST_YEAR, 4, 2),
        place=f"礼堂{m}",
        authority=side.authority,
        created_by=side.admin,
        status="closed",
        closed_at=now,
    )
    OfflineSession.objects.create(
        title=f"{t}全省培训",
        category=Category.PUBLIC,
        hours=Decimal(3),
        held_on=datetime.date(PAST_YEAR, 4, 3),
        place="省会",
        created_by=province_hr,
    )

    # Plans and filings: this year's plan, published; next year's draft.
    Plan = model("learning.ProfessionalPlan")
    PlanItem = model("learning.PlanItem")
    published = Plan.objects.create(
        authority=side.authority,
        year=THIS_YEAR,
        title=f"{t}专业科目学习计划",
        guiding="学习目标",
        status=Plan.Status.PUBLISHED,
        published_at=now,
    )
    PlanItem.objects.create(
        plan=published, topic="行业专题", course=taught, hours=Decimal(60), mode="online"
    )
    sections = ("guiding", "audience", "forms", "channels", "recognition", "organisation")
    version = model("learning.PlanVersion").objects.create(
        plan=published,
        number=1,
        published_at=now,
        snapshot={
            **{name: getattr(published, name) for name in (*sections, "contacts")},
            "title": published.title,
            "items": [{"topic": "行业专题", "hours": "60", "mode": "online", "course": taught.pk}],
        },
    )
    drafted = Plan.objects.create(
        authority=side.authority,
        year=THIS_YEAR + 1,
        title=f"{t}计划草稿{m}",
        guiding=f"草稿内容{m}",
        contacts=f"联系人{m}",
    )
    PlanItem.objects.create(plan=drafted, topic=f"草稿专题{m}", hours=Decimal(10), mode="offline")
    Filing = model("learning.Filing")
    for kind, scope, filer in [
        ("plan", {"authority": side.authority, "plan_version": version}, side.admin),
        ("notice", {"city": side.city}, side.city_hr),
    ]:
        filing = Filing(year=THIS_YEAR, kind=kind, filed_at=now, filed_by=filer, **scope)
        filing.word.save(f"walk-{tag}.docx", _file(f"备案{m}", "f.docx"), save=False)
        filing.pdf.save(f"walk-{tag}.pdf", ContentFile(_pdf(f"备案{m}")), save=False)
        filing.save()
    FilingReminder = model("learning.FilingReminder")
    FilingReminder.objects.create(
        year=THIS_YEAR, authority=side.authority, sent_on=timezone.localdate()
    )
    FilingReminder.objects.create(year=THIS_YEAR, city=side.city, sent_on=timezone.localdate())

    # Digital engineers: an open class (p1 enrolled, a comment), a closed one with
    # the professional's training certificate and its roster filing; a city plan.
    if side.institution is None:
        side.institution = InstitutionFactory(city=side.city)
    open_class = make_training_class(
        side.institution, side.city, name=f"{t}数字班{m}", partner=f"合作企业{m}"
    )
    make_passed_trainee(open_class, p1)
    training_certificate = make_training_certificate(
        side.institution, side.city, prof, name=f"{t}结业班{m}"
    )
    _store_pdf(training_certificate, f"{prof.real_name}{m}", f"walk-{tag}-training.pdf")
    side.codes.append(training_certificate.verification_code)
    model("digital_engineer.ClassComment").objects.create(
        training_class=open_class, author=side.city_hr, text=f"整改意见{m}"
    )
    plan = model("digital_engineer.CityPlan").objects.create(
        city=side.city, year=THIS_YEAR, groups=f"重点企业{m}"
    )
    model("digital_engineer.CityPlanTarget").objects.create(
        plan=plan, direction="ai", level="junior", target=10
    )

    # The base's trainings: one awaiting approval (private), one approved (public; p1
    # enrolled), one closed (the professional passed and was credited); its
    # evaluation of the past year.
    Training = model("bases.Training")
    Trainee = model("bases.Trainee")
    training = {
        "base": side.base,
        "category": Category.PROFESSIONAL,
        "field": side.base.fields[0],
        "mode": "offline",
        "hours": Decimal("16.0"),
        "capacity": 30,
        "proposed_by": prof,
    }
    Training.objects.create(
        **training,
        title=f"{t}待审培训{m}",
        description=f"培训方案{m}",
        starts_on=datetime.date(THIS_YEAR, 12, 1),
        ends_on=datetime.date(THIS_YEAR, 12, 3),
    )
    approved = Training.objects.create(
        **training,
        title=f"{t}公开培训",
        starts_on=datetime.date(THIS_YEAR, 12, 10),
        ends_on=datetime.date(THIS_YEAR, 12, 12),
        status="approved",
        decided_by=side.city_hr,
        decided_at=now,
    )
    Trainee.objects.create(training=approved, person=p1, via="self")
    closed = Training.objects.create(
        **training,
        title=f"{t}结业培训",
        starts_on=datetime.date(PAST_YEAR, 6, 1),
        ends_on=datetime.date(PAST_YEAR, 6, 3),
        status="closed",
        decided_by=side.city_hr,
        decided_at=now,
        closed_by=prof,
        closed_at=now,
    )
    trainee = Trainee.objects.create(
        training=closed, person=prof, via="base", attended=True, result="passed"
    )
    trainee.credit, _ = credit_post(
        person=prof,
        year=PAST_YEAR,
        category=Category.PROFESSIONAL,
        hours=closed.hours,
        source=Source.BASE_TRAINING,
        source_ref=f"base-trainee:{trainee.pk}",
        description=closed.title,
    )
    trainee.save(update_fields=["credit"])
    model("bases.Evaluation").objects.create(
        base=side.base,
        year=PAST_YEAR,
        scores={"scale": 15},
        total=Decimal("75.0"),
        grade="pass",
        remarks=f"评估意见{m}",
        evaluated_by=province_hr,
    )

    side.id_numbers += [
        person.id_number for person in (prof, hr, side.city_hr, p1, p2, p3, registrant)
    ]


def build() -> World:
    """The cast and both sets (module docstring). Call inside a transaction that is
    rolled back afterwards, between `saved_sequences` and `restore_sequences`."""
    from credits.models import YearRule

    # The rules a migration seeds; a transactional test run earlier on this worker
    # (the browser tests) may have emptied the table.
    for year in (PAST_YEAR - 1, PAST_YEAR, THIS_YEAR):
        YearRule.objects.get_or_create(
            year=year, defaults={"public_min": 30, "professional_min": 60}
        )
    cast = make_cast()
    memberships = {
        m.user_id: m for m in Membership.objects.select_related("unit", "institution", "base")
    }

    def side(name, professional, hr, city_hr, admin, mark):
        return Side(
            name=name,
            mark=mark,
            professional=cast[professional],
            hr=cast[hr],
            city_hr=cast[city_hr],
            admin=admin,
            unit=memberships[cast[hr].pk].unit,
        )

    a = side("A", "alice", "hr_a", "jinan_hr", cast["health_admin"], "")
    a.institution = memberships[cast["institution_staff"].pk].institution
    a.base = memberships[cast["base_staff"].pk].base
    # B's department admin: nobody of the cast administers the education authority.
    b_admin = make_member(
        Role.DEPARTMENT_ADMIN,
        UserFactory(real_name=f"教育厅管理员{CANARY}"),
        authority=memberships[cast["hr_b"].pk].unit.authority,
    )
    b = side("B", "bob", "hr_b", "qingdao_hr", b_admin, CANARY)
    # B's own people and unit carry the canary too.
    for user in (b.professional, b.hr, b.city_hr):
        user.real_name += CANARY
        user.save(update_fields=["real_name"])
    b.unit.name += CANARY
    b.unit.save(update_fields=["name"])
    build_side(a, cast["province_hr"])
    build_side(b, cast["province_hr"])
    b.id_numbers.append(b_admin.id_number)
    platforms = list(model("learning.Platform").objects.values_list("code", flat=True)[:1])
    return World(cast=cast, sides={"A": a, "B": b}, platform_codes=[*platforms, "nosuch"])


def published_plans() -> list[int]:
    """The ids of the published professional-subject plans (build_side makes each
    set's published plan first, its draft second)."""
    return [A_BASE + 1, B_BASE + 1]
