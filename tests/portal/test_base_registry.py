"""Provincial HR keeps the registry of continuing-education bases (the notice 五(三)):
registers and edits a base (bad input writes nothing), suspends and revokes one after
a confirmation, adds and removes its staff accounts; every change is audited. Managing
units read the list of their own bases."""

import datetime
import re

import pytest
from django.urls import reverse

from portal import scoping
from portal.base_registry import BaseRegistryError, base_save, normalize_fields
from portal.models import AuditLog, Base, Membership, Role, User
from tests.factories import BaseFactory, UnitFactory, credit_code_for, id_number_for

LIST = reverse("portal:bases")
CREATE = reverse("portal:base_create")
MANAGED = reverse("portal:bases_managed")


def url(name, base) -> str:
    return reverse(f"portal:{name}", args=[base.pk])


def full_width(text: str) -> str:
    """What a Chinese keyboard in full-width mode types: ＡＢ１２."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def audits(prefix="portal.base") -> list:
    return list(
        AuditLog.objects.filter(action__startswith=prefix)
        .order_by("pk")
        .values_list("action", "payload")
    )


def record_data(**changes) -> dict:
    data = {
        "level": "provincial",
        "name": "山东省新材料继续教育基地",
        "host_name": "山东新材料研究院",
        "host_credit_code": credit_code_for(4242),
        "managing_city": "",
        "managing_authority": "",
        "city": "",
        "unit_search": "",
        "unit": "",
        "training_fields": "新材料",
        "valid_from": "2021-01-01",
        "valid_until": "2025-12-31",
        "contact": "0531-88888888",
    }
    data.update(changes)
    return data


def errors_of(response) -> str:
    return " ".join(str(e) for errors in response.context["form"].errors.values() for e in errors)


@pytest.mark.django_db
def test_provincial_hr_registers_a_base_typed_as_people_type(client, health, province_hr):
    client.force_login(province_hr)
    code = credit_code_for(4242)
    typed_code = full_width(f" {code[:9]} {code[9:].lower()} ")
    response = client.post(
        CREATE,
        record_data(
            host_credit_code=typed_code,
            managing_authority=str(health.pk),
            training_fields="电子信息、机械工程，电子信息\n\n  新 材料 ,；机械工程 ",
            valid_from="2021/1/1",
            valid_until="2025年12月31日",
        ),
    )
    base = Base.objects.get(name="山东省新材料继续教育基地")
    assert response.status_code == 302 and response.url == url("base_detail", base)
    assert base.host_credit_code == code
    assert base.fields == ["电子信息", "机械工程", "新 材料"]
    assert (base.valid_from, base.valid_until) == (
        datetime.date(2021, 1, 1),
        datetime.date(2025, 12, 31),
    )
    assert base.managing == health and base.status == Base.Status.ACTIVE
    page = client.get(url("base_detail", base)).content.decode()
    assert "已登记" in page and "电子信息、机械工程、新 材料" in page and health.name in page
    [(action, payload)] = audits()
    assert action == "portal.base.created" and payload["base"] == base.pk
    assert payload["record"]["host_credit_code"] == code
    assert AuditLog.objects.get(action="portal.base.created").actor == province_hr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"host_credit_code": credit_code_for(4242)[:-1] + "0"}, "校验"),
        ({"host_credit_code": "12370100ABC"}, "18"),
        ({"managing_city": "CITY", "managing_authority": "AUTHORITY"}, "只能选择一个"),
        ({}, "只能选择一个"),  # none at all
        (
            {"managing_city": "CITY", "valid_from": "2025-01-01", "valid_until": "2024-12-31"},
            "早于",
        ),
        ({"managing_city": "CITY", "training_fields": " 、，\n , "}, "专业领域"),
        ({"managing_city": "CITY", "valid_until": "2025-02-30"}, "有效的日期"),
        ({"managing_city": "CITY", "name": "济南测试继续教育基地"}, "已登记"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(
    client, base, jinan, health, province_hr, changes, message
):
    client.force_login(province_hr)
    ids = {"CITY": str(jinan.pk), "AUTHORITY": str(health.pk)}
    data = record_data(**{k: ids.get(v, v) for k, v in changes.items()})
    before = list(Base.objects.values_list("pk", "name"))
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert message in errors_of(response)
    assert list(Base.objects.values_list("pk", "name")) == before
    assert audits() == []
    # The same record on the edit page of an existing base changes nothing either.
    if "name" not in changes:
        response = client.post(url("base_edit", base), data)
        assert response.status_code == 200 and message in errors_of(response)
        base.refresh_from_db()
        assert base.name == "济南测试继续教育基地" and base.managing_city == jinan
        assert audits() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"valid_until": datetime.date(2020, 12, 31)}, "早于"),
        ({"fields": " 、，\n"}, "专业领域"),
        ({"managing_city": None}, "只能选择一个"),
        ({"name": "济南测试继续教育基地"}, "已登记"),
    ],
)
def test_the_service_refuses_what_the_form_refuses(base, jinan, province_hr, changes, message):
    """base_save checks the record itself, whoever calls it (the form's checks aside)."""
    record = {
        "level": Base.Level.PROVINCIAL,
        "name": "山东省新材料继续教育基地",
        "host_name": "山东新材料研究院",
        "host_credit_code": credit_code_for(4242),
        "managing_city": jinan,
        "fields": "新材料",
        "valid_from": datetime.date(2021, 1, 1),
        "valid_until": datetime.date(2025, 12, 31),
    }
    actor = province_hr.memberships.get()
    with pytest.raises(BaseRegistryError, match=message):
        base_save(actor=actor, base_pk=None, **(record | changes))
    assert list(Base.objects.all()) == [base] and audits() == []


@pytest.mark.django_db
def test_editing_moves_the_base_to_a_unit_and_audits_what_changed(client, base, jinan, province_hr):
    manager = UnitFactory(name="山东省属测试企业", city=jinan)
    client.force_login(province_hr)
    form = client.get(url("base_edit", base)).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["training_fields"] = "\n".join(base.fields)
    data.update(managing_city="", city=str(jinan.pk), unit=str(manager.pk), contact="王老师")
    response = client.post(url("base_edit", base), data)
    assert response.status_code == 302
    base.refresh_from_db()
    assert base.managing == manager and base.contact == "王老师"
    [(action, payload)] = audits()
    assert action == "portal.base.updated"
    assert payload["changed"] == {
        "managing_city_id": [jinan.pk, None],
        "managing_unit_id": [None, manager.pk],
        "contact": ["0531-12345678", "王老师"],
    }
    # Saving it unchanged writes no audit line.
    form = client.get(url("base_edit", base)).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["training_fields"] = "\n".join(base.fields)
    assert client.post(url("base_edit", base), data).status_code == 302
    assert len(audits()) == 1
    # The managing unit now sees it; the city no longer does.
    assert list(scoping.bases_managed_by(Membership(role=Role.UNIT_HR, unit=manager))) == [base]
    assert not scoping.bases_managed_by(Membership(role=Role.CITY_HR, city=jinan)).exists()


@pytest.mark.django_db
def test_only_provincial_hr_keeps_the_registry(client, cast, base, jinan):
    pages = [
        LIST,
        CREATE,
        url("base_detail", base),
        url("base_edit", base),
        url("base_status", base) + "?to=suspended",
        url("base_staff_new", base),
    ]
    for name, person in cast.items():
        client.force_login(person)
        expected = 200 if name == "province_hr" else 403
        for page in pages:
            assert client.get(page).status_code == expected, (name, page)
        if name == "province_hr":
            continue
        client.post(CREATE, record_data(managing_city=str(jinan.pk)))
        client.post(url("base_status", base), {"to": "revoked", "reason": "检查不合格"})
        client.post(url("base_staff_new", base), {"real_name": "某人", "phone": "13912345678"})
        staff = Membership.objects.get(role=Role.BASE_STAFF, base=base)
        client.post(url("base_staff_delete", base), {"membership": staff.pk})
    assert Base.objects.count() == 1
    base.refresh_from_db()
    assert base.status == Base.Status.ACTIVE
    assert Membership.objects.filter(role=Role.BASE_STAFF, base=base).count() == 1
    assert audits() == []
    client.force_login(cast["province_hr"])
    assert client.get("/base-registry/999999999999/").status_code == 404
    assert client.get(url("base_status", base) + "?to=nonsense").status_code == 404


@pytest.mark.django_db
def test_the_list_filters_searches_and_paginates(client, base, qingdao, health, province_hr):
    national = BaseFactory(name="国家级测试基地", level=Base.Level.NATIONAL, managing_city=qingdao)
    suspended = BaseFactory(
        name="暂停的测试基地",
        managing_city=None,
        managing_authority=health,
        status=Base.Status.SUSPENDED,
    )
    BaseFactory.create_batch(50, managing_city=qingdao)
    client.force_login(province_hr)

    def listed(**query):
        return [b.pk for b in client.get(LIST, query).context["page"]]

    first = client.get(LIST).context["page"]
    assert len(first) == 50 and first.paginator.count == 53
    assert first[0] == national  # national bases first
    assert listed(level="national") == [national.pk]
    assert listed(status="suspended") == [suspended.pk]
    assert listed(city=str(base.managing_city_id)) == [base.pk]
    assert listed(q="暂停") == [suspended.pk]
    code = suspended.host_credit_code
    assert listed(q=full_width(f"{code[:9]} {code[9:].lower()}")) == [suspended.pk]
    for hostile in ("²", "99999999999999999999", "abc"):
        assert (
            client.get(LIST, {"page": hostile, "city": hostile, "level": hostile}).status_code
            == 200
        )


@pytest.mark.django_db
def test_suspending_and_revoking_ask_for_confirmation_and_a_reason(client, base, province_hr):
    client.force_login(province_hr)
    detail = client.get(url("base_detail", base)).content.decode()
    assert "?to=suspended" in detail and "?to=revoked" in detail and "?to=active" not in detail
    page = client.get(url("base_status", base), {"to": "suspended"}).content.decode()
    assert "确认" in page and base.name in page
    # No reason: the page again, nothing changed.
    response = client.post(url("base_status", base), {"to": "suspended", "reason": " "})
    assert response.status_code == 200 and "理由" in errors_of(response)
    base.refresh_from_db()
    assert base.status == Base.Status.ACTIVE and audits() == []

    response = client.post(url("base_status", base), {"to": "suspended", "reason": "年度检查整改"})
    assert response.status_code == 302
    base.refresh_from_db()
    assert base.status == Base.Status.SUSPENDED
    response = client.post(url("base_status", base), {"to": "revoked", "reason": "整改不到位"})
    base.refresh_from_db()
    assert base.status == Base.Status.REVOKED
    assert "已撤销" in client.get(url("base_detail", base)).content.decode()
    # A revoked base stays revoked.
    assert client.get(url("base_status", base), {"to": "active"}).status_code == 404
    response = client.post(url("base_status", base), {"to": "active", "reason": "恢复"})
    assert response.status_code == 200 and "重新登记" in errors_of(response)
    base.refresh_from_db()
    assert base.status == Base.Status.REVOKED
    assert audits() == [
        (
            "portal.base.suspended",
            {"base": base.pk, "previous": "active", "reason": "年度检查整改"},
        ),
        ("portal.base.revoked", {"base": base.pk, "previous": "suspended", "reason": "整改不到位"}),
    ]
    # A revoked base has no staff: none is added.
    response = client.post(
        url("base_staff_new", base),
        {"real_name": "张基地", "phone": "13905310001", "id_number": id_number_for(321)},
    )
    assert response.status_code == 200 and "已撤销，不能添加" in errors_of(response)
    assert not Membership.objects.filter(base=base).exists()


@pytest.mark.django_db
def test_a_new_staff_account_gets_the_role_and_logs_in(
    client, base, province_hr, eager_celery, monkeypatch
):
    texts = []
    monkeypatch.setattr("portal.tasks.send_sms", lambda phone, text: texts.append((phone, text)))
    number = id_number_for(321)
    client.force_login(province_hr)
    response = client.post(
        url("base_staff_new", base),
        {"real_name": "张 基地", "phone": "＋86 139-0531-0001", "id_number": number.lower()},
        follow=True,
    )
    page = response.content.decode()
    assert "忘记密码" in page and "张基地" in page
    person = User.objects.get(id_number=number)
    assert person.phone == "13905310001" and not person.has_usable_password()
    [membership] = person.memberships.all()
    assert (membership.role, membership.base) == (Role.BASE_STAFF, base)
    assert audits("portal.base_staff") == [
        ("portal.base_staff.added", {"base": base.pk, "person": person.pk, "new_account": True})
    ]
    # She sets her password with the code sent to her phone, then logs in as base staff.
    client.logout()
    client.post(reverse("portal:password_reset"), {"id_number": number, "contact": "13905310001"})
    [(phone, text)] = texts
    assert phone == "13905310001"
    code = re.search(r"\d{6}", text).group()
    new = "Base-staff-pass-2025"
    client.post(
        reverse("portal:password_reset_confirm"),
        {"id_number": number, "code": code, "new_password1": new, "new_password2": new},
    )
    client.post(reverse("portal:login"), {"username": "13905310001", "password": new})
    assert client.session.get("_auth_user_id") == str(person.pk)
    response = client.get(reverse("portal:home"))
    assert response.url == reverse("portal:role_home", args=[Role.BASE_STAFF])
    assert response.wsgi_request.membership.base == base
    assert list(scoping.bases_visible_to(response.wsgi_request.membership)) == [base]


@pytest.mark.django_db
def test_an_existing_account_gains_the_role_and_mistakes_are_refused(
    client, base, alice, bob, province_hr
):
    client.force_login(province_hr)
    add = url("base_staff_new", base)
    count = Membership.objects.count()
    User.objects.filter(pk=bob.pk).update(is_active=False)
    refusals = [
        # A disabled account gains no role.
        ({"real_name": bob.real_name, "phone": bob.phone}, "账号已停用"),
        # A name that is not the account's.
        ({"real_name": "别人", "phone": alice.phone}, "不符"),
        # No account has the phone, and no ID number to create one.
        ({"real_name": "新人", "phone": "13800000000"}, "身份证号"),
        # A new ID number with bob's phone.
        ({"real_name": "新人", "phone": bob.phone, "id_number": id_number_for(555)}, "另一账号"),
        ({"real_name": "新人", "phone": "12345"}, "11"),
    ]
    for data, message in refusals:
        response = client.post(add, data)
        assert response.status_code == 200 and message in errors_of(response), data
    assert Membership.objects.count() == count and audits("portal.base_staff") == []
    assert not User.objects.filter(id_number=id_number_for(555)).exists()

    response = client.post(add, {"real_name": alice.real_name, "phone": alice.phone})
    assert response.status_code == 302
    assert set(alice.memberships.values_list("role", "base")) == {
        (Role.PROFESSIONAL, None),
        (Role.BASE_STAFF, base.pk),
    }
    assert alice.memberships.get(role=Role.BASE_STAFF).user.check_password("Secret-pass-2025")
    response = client.post(add, {"real_name": alice.real_name, "phone": alice.phone})
    assert "已是" in errors_of(response)
    assert audits("portal.base_staff") == [
        ("portal.base_staff.added", {"base": base.pk, "person": alice.pk, "new_account": False})
    ]


@pytest.mark.django_db
def test_removing_a_staff_account_keeps_the_account(client, base, base_staff, province_hr):
    other = BaseFactory()
    outsider = Membership.objects.create(
        user=User.objects.create_user(id_number_for(777), real_name="外基地"),
        role=Role.BASE_STAFF,
        base=other,
    )
    membership = base_staff.memberships.get()
    client.force_login(province_hr)
    page = client.get(url("base_detail", base)).content.decode()
    assert "data-confirm" in page and base_staff.real_name in page
    # Another base's staff, hostile ids and a GET: nothing removed.
    assert (
        client.post(url("base_staff_delete", base), {"membership": outsider.pk}).status_code == 404
    )
    for hostile in ("²", "abc", "99999999999999999999", ""):
        assert (
            client.post(url("base_staff_delete", base), {"membership": hostile}).status_code == 404
        )
    assert client.get(url("base_staff_delete", base)).status_code == 405
    response = client.post(url("base_staff_delete", base), {"membership": membership.pk})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Membership.objects.filter(pk=outsider.pk).exists()
    assert User.objects.filter(pk=base_staff.pk, is_active=True).exists()
    assert audits("portal.base_staff") == [
        ("portal.base_staff.removed", {"base": base.pk, "person": base_staff.pk})
    ]


@pytest.mark.django_db
def test_managing_units_read_the_bases_they_manage(client, cast, base, health):
    by_health = BaseFactory(name="卫健委管理的基地", managing_city=None, managing_authority=health)
    seen = {}
    for name, person in cast.items():
        client.force_login(person)
        response = client.get(MANAGED)
        seen[name] = (
            [b.name for b in response.context["page"]]
            if response.status_code == 200
            else response.status_code
        )
    assert seen["jinan_hr"] == [base.name]
    assert seen["health_admin"] == [by_health.name]
    assert seen["qingdao_hr"] == [] and seen["hr_a"] == []
    for name in ("alice", "province_hr", "institution_staff", "base_staff", "association"):
        assert seen[name] == 403, name
    client.force_login(cast["jinan_hr"])
    assert "济南测试继续教育基地" in client.get(MANAGED).content.decode()


def test_fields_are_split_normalised_and_deduplicated():
    assert normalize_fields("电子信息、机械工程，电子信息\n\n ,；ＡＩ 技术 ") == [
        "电子信息",
        "机械工程",
        "AI 技术",
    ]
    assert normalize_fields(["医学", "医学、药学"]) == ["医学", "药学"]
    assert normalize_fields(" 、，\n") == []
