"""Every date a form shows comes back unchanged when the form is saved unchanged.

A browser's <input type="date"> reads only ISO dates: rendered in the Chinese locale's
format (2017/10/01) it shows empty and posts empty, and saving erases the date.
The walk below finds every form of the project's apps (and the admin's forms of their
models), so a form added later is checked without anybody listing it here.
"""

import datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from portal.models import ReviewStatus
from tests.factories import UserFactory
from tests.html_forms import submitted_data
from tests.project_forms import admin_form_classes, project_form_classes

A_DATE = datetime.date(2017, 10, 1)
A_MOMENT = timezone.make_aware(datetime.datetime(2017, 10, 1, 8, 30))


def date_fields(form):
    return {
        name: field
        for name, field in form.fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
    }


def filled_value(field):
    return A_DATE if isinstance(field, forms.DateField) else A_MOMENT


def kept_value(form, name):
    """Render the field filled in, let a browser submit it unchanged, clean it."""
    field = form.fields[name]
    data = submitted_data(f"<form>{form[name]}</form>")
    return field.clean(field.widget.value_from_datadict(data, {}, form.add_prefix(name)))


def check_round_trip(label, form_class, failures):
    probe = form_class()
    fields = date_fields(probe)
    if not fields:
        return False
    form = form_class(initial={name: filled_value(field) for name, field in fields.items()})
    for name, field in date_fields(form).items():
        try:
            kept = kept_value(form, name)
        except forms.ValidationError as error:
            kept = f"refused: {error.messages}"
        if kept != filled_value(field):
            failures.append(f"{label}.{name}: rendered {form[name]!s:.200} came back as {kept!r}")
    return True


@pytest.mark.django_db
def test_every_date_field_of_every_form_survives_saving_unchanged(unit_a):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    failures, checked = [], []
    with translation.override("zh-hans"):
        for label, form_class in [*project_form_classes(), *admin_form_classes(superuser)]:
            if check_round_trip(label, form_class, failures):
                checked.append(label)
    # The walk really found the forms with dates (a broken walk would pass vacuously).
    assert {
        "portal.forms.CorrectionForm",
        "portal.forms.PersonDetailsForm",
        "credits.forms.DeclarationForm",
        "digital_engineer.forms.ClassForm",
    } <= set(checked)
    assert failures == []


@pytest.mark.django_db
def test_hr_correcting_a_title_level_keeps_the_date_the_title_was_obtained(client, hr_a, alice):
    alice.profile.title_obtained_on = A_DATE
    alice.profile.save(update_fields=["title_obtained_on"])
    client.force_login(hr_a)
    page = client.get(reverse("credits:person_detail", kwargs={"pk": alice.pk}))
    data = submitted_data(page.content.decode(), containing="title_level")
    data.update(title_level="deputy_senior", reason="职称晋升")
    client.post(reverse("portal:person_correction", kwargs={"pk": alice.pk}), data)
    alice.profile.refresh_from_db()
    assert alice.profile.title_level == "deputy_senior"
    assert alice.profile.title_obtained_on == A_DATE


@pytest.mark.django_db
def test_a_resubmitted_registration_keeps_the_date_the_title_was_obtained(client, unit_a, alice):
    profile = alice.profile
    profile.status, profile.rejection_reason = ReviewStatus.REJECTED, "单位填错"
    profile.title_obtained_on = A_DATE
    profile.save(update_fields=["status", "rejection_reason", "title_obtained_on"])
    client.force_login(alice)
    page = client.get(reverse("portal:my_registration")).content.decode()
    assert "单位填错" in page
    data = submitted_data(page, containing="title_obtained_on")
    client.post(reverse("portal:my_registration"), data)
    profile.refresh_from_db()
    assert profile.status == ReviewStatus.PENDING
    assert profile.title_obtained_on == A_DATE
