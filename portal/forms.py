from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Model
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from portal.backends import login_lookup
from portal.http import is_pk
from portal.identity import (
    normalize_id_number,
    normalize_name,
    normalize_phone,
    validate_credit_code,
    validate_id_number,
)
from portal.models import (
    Authority,
    City,
    ReviewStatus,
    TitleLevel,
    TitleSeries,
    Unit,
    User,
    phone_validator,
)
from portal.registration import (
    credit_code_taken_message,
    id_number_taken_message,
    id_number_without_profile_message,
    phone_taken_message,
)
from portal.tabular import TableError, check_upload


class DateInput(forms.DateInput):
    """The browser's date picker, for every date field of the portal.

    Its value is always an ISO date (2017-10-01) whatever the language: an
    <input type="date"> reads nothing else, and a date rendered in the Chinese
    format (2017/10/01) shows empty and posts empty, so saving the form unchanged
    would erase the date.
    """

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or "%Y-%m-%d")


class NameField(forms.CharField):
    """A person's name as people type it, cleaned to its stored form (portal/identity.py:
    middle-dot look-alikes as ·, no spaces in a Chinese name, full width folded)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_name(value) if value else value


class CreditCodeField(forms.CharField):
    """A unified social credit code as people type it (full-width, lower case, spaces),
    cleaned to its 18 stored characters and checked (portal.identity)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return validate_credit_code(value) if value else value


class IdNumberField(forms.CharField):
    """An ID-card number as people type it (full-width digits and Ｘ, spaces, invisible
    characters), cleaned to its 18 stored characters and checked; empty when optional.

    The input may be longer than 18 characters (spaces between the groups); the check
    counts the characters that are left."""

    default_validators = [validate_id_number]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_id_number(value) if value else value


class PhoneField(forms.CharField):
    """A mobile phone number as people type it (full-width, 138-0531-2025, +86 …),
    cleaned to its 11 stored digits."""

    default_validators = [phone_validator]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value


class LabelledUniqueErrorsMixin:
    """Duplicate rows of a model formset named by the fields' labels (方向 和 等级),
    not by their code names (direction and level) as Django names them."""

    def get_unique_error_message(self, unique_check):
        parent = getattr(getattr(self, "fk", None), "name", None)
        fields = self.form.base_fields
        labels = [str(fields[name].label) for name in unique_check if name != parent]
        return _("Two rows have the same %(fields)s; each may appear only once.") % {
            "fields": text_list(labels)
        }


def text_list(items: list[str]) -> str:
    """The items as "A, B and C" in the active language (Chinese: A、B和C, no spaces)."""
    if len(items) < 2:
        return "".join(items)
    head = pgettext("list separator", ", ").join(items[:-1])
    return _("%(items)s and %(last)s") % {"items": head, "last": items[-1]}


class BaseInlineFormSet(LabelledUniqueErrorsMixin, forms.BaseInlineFormSet):
    def save_with(self, form):
        """Save `form` (the valid model form of the parent these rows belong to), then
        these valid rows for what it saved; the parent. The one way a page saves a
        thing with its rows (a course and its lessons, a plan and its items): the
        caller, a service, runs it in its transaction and writes the audit entry."""
        self.instance = form.save()
        self.save()
        return self.instance


class BaseModelFormSet(LabelledUniqueErrorsMixin, forms.BaseModelFormSet):
    pass


class LoginForm(AuthenticationForm):
    """Log in with an ID-card number or an 11-digit mobile phone number."""

    username = forms.CharField(
        label=_("ID card number or mobile phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _(
            "The ID card number (or mobile phone) and password do not match an account. "
            "Please try again."
        ),
        "inactive": _("This account has been disabled. Please contact your unit's HR office."),
    }

    def clean_username(self):
        field, login = login_lookup(self.cleaned_data["username"])
        if field == "phone":
            return login
        if len(login) in (15, 16, 17, 18, 19):
            # Looks like an ID number: say exactly what is wrong with it.
            return validate_id_number(login)
        raise forms.ValidationError(
            _("Enter an 18-character ID card number or an 11-digit mobile phone number."),
            code="login_format",
        )


class PkChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose posted value must be an id (portal.http.is_pk) before
    it is looked up: "１", "²", "abc" or a 20-digit number is an invalid choice, as a
    missing object is, never a query."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, Model) and not is_pk(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


YEAR_MIN, YEAR_MAX = 2000, 2100  # the years any form takes (credits.eligibility EARLIEST_YEAR)


def _bad_year() -> str:
    return gettext("Enter a year from %(min)s to %(max)s.") % {"min": YEAR_MIN, "max": YEAR_MAX}


bad_year = lazy(_bad_year, str)


class YearField(forms.IntegerField):
    """A calendar year typed in a form (a filter's or an action's): an integer from
    YEAR_MIN to YEAR_MAX, optional unless `required=True`; anything else is one
    message, "请填写2000至2100之间的年度". The one year field of the project's forms."""

    def __init__(self, *, required=False, **kwargs):
        message = bad_year()
        kwargs.setdefault("label", _("Year"))
        kwargs.setdefault(
            "error_messages", {"invalid": message, "min_value": message, "max_value": message}
        )
        super().__init__(required=required, min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


class SwitchRoleForm(forms.Form):
    membership = forms.IntegerField(label=_("Role"))


class AccountActionForm(forms.Form):
    """What unit HR does to an account from the person's page."""

    action = forms.ChoiceField(
        label=_("action"),
        choices=[("disable", "disable"), ("enable", "enable"), ("make_hr", "make_hr")],
    )


class ResetRequestForm(forms.Form):
    id_number = IdNumberField(label=_("ID card number"))
    contact = forms.CharField(label=_("Registered mobile phone or e-mail"), max_length=254)

    def clean_contact(self):
        """A phone as it is stored (full-width, with hyphens or +86); an e-mail as typed."""
        contact = self.cleaned_data["contact"].strip()
        return contact if "@" in contact else normalize_phone(contact)


class ResetConfirmForm(ResetRequestForm):
    contact = None
    code = forms.CharField(label=_("Code"), max_length=6, min_length=6)
    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(render_value=False)
    )
    new_password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput
    )

    def clean(self):
        cleaned = super().clean()
        check_new_password(self, "new_password1", "new_password2")
        return cleaned


class XlsxUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel or CSV file (.xlsx, .xls, .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload)
        except TableError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


def check_new_password(form, first="password1", second="password2"):
    """The two password fields agree and pass Django's validators."""
    one, two = form.cleaned_data.get(first), form.cleaned_data.get(second)
    if one and two:
        if one != two:
            form.add_error(second, _("The two passwords differ."))
        else:
            try:
                password_validation.validate_password(one)
            except forms.ValidationError as error:
                form.add_error(first, error)


class UnitPickerMixin(forms.Form):
    """A unit chosen by city, then by name: the unit list follows the city (and the
    search words) through htmx; without a city no unit can be chosen."""

    city = PkChoiceField(
        label=_("City of the unit"), queryset=City.objects.all(), empty_label=_("— choose —")
    )
    unit_search = forms.CharField(label=_("Search the unit by name"), required=False, max_length=50)
    unit = PkChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=_("— choose —"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options_url = reverse_lazy("portal:unit_options")
        htmx = {
            "hx-get": options_url,
            "hx-target": "#id_unit",
            "hx-include": "[name=city],[name=unit_search]",
        }
        self.fields["city"].widget.attrs.update(htmx, **{"hx-trigger": "change"})
        self.fields["unit_search"].widget.attrs.update(
            htmx, **{"hx-trigger": "keyup changed delay:300ms", "autocomplete": "off"}
        )
        source = self.data if self.is_bound else self.initial
        city, chosen = source.get("city"), source.get("unit")
        if is_pk(city):
            field = self.fields["unit"]
            field.queryset = approved_units(city=city)
            # Render what the htmx list would show, plus the unit already chosen.
            shown = list(listed_units(city=city, search=source.get("unit_search") or ""))
            if is_pk(chosen) and all(str(u.pk) != str(chosen) for u in shown):
                shown += list(field.queryset.filter(pk=chosen))
            field.widget.choices = [("", field.empty_label), *((u.pk, u.name) for u in shown)]


UNIT_OPTIONS_MAX = 100


def approved_units(*, city, search: str = ""):
    units = Unit.objects.filter(status=ReviewStatus.APPROVED, city_id=city)
    return units.filter(name__contains=search.strip()) if search.strip() else units


def listed_units(*, city, search: str = ""):
    """The units the picker lists: the first UNIT_OPTIONS_MAX matching the search."""
    return approved_units(city=city, search=search).order_by("name")[:UNIT_OPTIONS_MAX]


class ContactMixin(forms.Form):
    """Name, phone and e-mail of a person; `user` is the account being edited, if any."""

    real_name = NameField(label=_("Real name"))
    phone = PhoneField(label=_("Mobile phone"))
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        others = User.objects.filter(phone=phone)
        if self.user is not None:
            others = others.exclude(pk=self.user.pk)
        if others.exists():
            raise forms.ValidationError(phone_taken_message(), code="phone_taken")
        return phone

    def contact_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("real_name", "phone", "email")}


class ContactForm(ContactMixin):
    """What a person changes herself after approval: not her name, not her ID number."""

    real_name = None


class TitleMixin(forms.Form):
    title_series = forms.ChoiceField(
        label=_("Title series"),
        choices=[("", _("— none yet —")), *TitleSeries.choices],
        required=False,
    )
    title_level = forms.ChoiceField(
        label=_("Title level"),
        choices=[("", _("— none yet —")), *TitleLevel.choices],
        required=False,
    )
    title_obtained_on = forms.DateField(
        label=_("Current title obtained on"),
        required=False,
        widget=DateInput,
    )

    def title_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in TitleMixin.base_fields}

    @staticmethod
    def initial_of(record) -> dict:
        """The title fields' initial values from a ProfessionalProfile."""
        return {name: getattr(record, name) for name in TitleMixin.base_fields}


class PersonDetailsForm(ContactMixin, UnitPickerMixin, TitleMixin):
    """What a professional says about herself on registering (and on resubmitting)."""

    field_order = ["real_name", "phone", "email", "city", "unit_search", "unit"]

    def person_data(self) -> dict:
        return {**self.contact_data(), "unit": self.cleaned_data["unit"], **self.title_data()}


class NewAccountMixin(forms.Form):
    id_number = IdNumberField(
        label=_("ID card number"), help_text=_("It is your login; it never changes.")
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def clean_phone(self):
        """A phone taken by another account is not refused here: the answer would tell
        anyone which phones are registered. person_register leaves it off the new
        account instead (portal/registration.py)."""
        return self.cleaned_data["phone"]

    def clean_id_number(self):
        number = self.cleaned_data["id_number"]
        existing = User.objects.filter(id_number=number).select_related("profile").first()
        if existing is not None:
            message = (
                id_number_taken_message()
                if hasattr(existing, "profile")
                else id_number_without_profile_message()
            )
            raise forms.ValidationError(message, code="id_taken")
        return number

    def clean(self):
        cleaned = super().clean()
        check_new_password(self)
        return cleaned

    def account_data(self) -> dict:
        return {
            "id_number": self.cleaned_data["id_number"],
            "password": self.cleaned_data["password1"],
        }


class RegistrationForm(NewAccountMixin, PersonDetailsForm):
    field_order = ["id_number", "real_name", "phone", "email", "password1", "password2"]


class UnitDetailsForm(forms.Form):
    """What a unit says about itself; `unit` is the registration being corrected."""

    unit_name = forms.CharField(label=_("Unit name"), max_length=100)
    credit_code = CreditCodeField(label=_("Unified social credit code"))
    unit_city = PkChoiceField(
        label=_("City"), queryset=City.objects.all(), empty_label=_("— choose —")
    )
    is_province_direct = forms.BooleanField(
        label=_("Province-direct unit (approved by provincial HR)"), required=False
    )
    authority = PkChoiceField(
        label=_("Industry authority (optional)"), queryset=Authority.objects.all(), required=False
    )

    def __init__(self, *args, unit=None, **kwargs):
        self.unit = unit
        super().__init__(*args, **kwargs)

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"]
        others = Unit.objects.filter(credit_code=code)
        if self.unit is not None:
            others = others.exclude(pk=self.unit.pk)
        if others.exists():
            raise forms.ValidationError(credit_code_taken_message(), code="credit_code_taken")
        return code

    def unit_data(self) -> dict:
        c = self.cleaned_data
        return {
            "name": c["unit_name"].strip(),
            "credit_code": c["credit_code"],
            "city": c["unit_city"],
            "is_province_direct": c["is_province_direct"],
            "authority": c["authority"],
        }


class UnitRegistrationForm(NewAccountMixin, ContactMixin, UnitDetailsForm):
    """A unit and its first HR administrator."""

    field_order = [*UnitDetailsForm.base_fields, "id_number", "real_name", "phone", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["real_name"].label = _("Real name of the HR administrator")
        self.fields["phone"].label = _("Mobile phone of the HR administrator")

    def hr_data(self) -> dict:
        return {**self.account_data(), **self.contact_data()}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CorrectionForm(TitleMixin, ReasonForm):
    """Unit HR corrects a person's name or title, giving the reason."""

    real_name = NameField(label=_("Real name"))
    field_order = ["real_name", "title_series", "title_level", "title_obtained_on", "reason"]


class TransferForm(UnitPickerMixin):
    pass
