"""The forms of provincial HR's registry of continuing-education bases
(portal.base_registry): a base's record, a change of its status, a staff account."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.base_registry import (
    BaseRegistryError,
    check_fields,
    check_managing,
    normalize_fields,
)
from portal.forms import (
    CreditCodeField,
    DateInput,
    IdNumberField,
    NameField,
    PhoneField,
    PkChoiceField,
    UnitPickerMixin,
)
from portal.models import Authority, Base, City


class FieldsField(forms.CharField):
    """The fields (专业领域) of a base: one a line or separated by 、 and commas; cleaned
    to a list without empty or repeated entries (portal.base_registry.normalize_fields);
    an empty list is refused."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value):
        text = super().clean(value)
        try:
            return check_fields(normalize_fields(text))
        except BaseRegistryError as error:
            raise ValidationError(str(error), code="fields") from None


class BaseForm(UnitPickerMixin):
    """A base's record: level, names, host's credit code, its managing unit (exactly
    one of a city HR bureau, an industry authority or a unit chosen with the unit
    picker), fields, period of validity, contact. Its status changes on a page of its
    own (BaseStatusForm)."""

    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("— choose —")), *Base.Level.choices]
    )
    name = forms.CharField(label=_("Name of the base"), max_length=100)
    host_name = forms.CharField(label=_("Host organisation"), max_length=100)
    host_credit_code = CreditCodeField(label=_("Host's unified social credit code"))
    managing_city = PkChoiceField(
        label=_("Managing unit: a city HR bureau"),
        queryset=City.objects.all(),
        required=False,
        empty_label=_("— none —"),
    )
    managing_authority = PkChoiceField(
        label=_("Managing unit: an industry authority"),
        queryset=Authority.objects.all(),
        required=False,
        empty_label=_("— none —"),
    )
    training_fields = FieldsField(
        label=_("Fields"),
        help_text=_("The fields the base trains in: one a line, or separated by 、 or commas."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)
    contact = forms.CharField(
        label=_("Contact (optional)"),
        max_length=100,
        required=False,
        help_text=_("A person, a phone or an e-mail for the public list of bases."),
    )

    field_order = [
        "level",
        "name",
        "host_name",
        "host_credit_code",
        "managing_city",
        "managing_authority",
        "city",
        "unit_search",
        "unit",
        "training_fields",
        "valid_from",
        "valid_until",
        "contact",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        city, unit = self.fields["city"], self.fields["unit"]
        city.required, unit.required = False, False
        city.label = _("Managing unit: a unit — its city")
        unit.label = _("Managing unit: a unit")
        unit.help_text = _("Choose one of the three managing units and leave the others empty.")

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(name) for name in ("managing_city", "managing_authority", "unit")]
        if not any(name in self.errors for name in ("managing_city", "managing_authority", "unit")):
            try:
                check_managing(*chosen)
            except BaseRegistryError as error:
                self.add_error(None, str(error))
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The period of validity ends before it starts."))
        return cleaned

    def base_data(self) -> dict:
        """The keyword arguments of portal.base_registry.base_save."""
        c = self.cleaned_data
        return {
            "level": c["level"],
            "name": c["name"],
            "host_name": c["host_name"],
            "host_credit_code": c["host_credit_code"],
            "managing_city": c["managing_city"],
            "managing_authority": c["managing_authority"],
            "managing_unit": c["unit"],
            "fields": c["training_fields"],
            "valid_from": c["valid_from"],
            "valid_until": c["valid_until"],
            "contact": c["contact"],
        }

    @staticmethod
    def initial_of(base: Base) -> dict:
        """The form's initial values from a base's record."""
        unit = base.managing_unit
        return {
            "level": base.level,
            "name": base.name,
            "host_name": base.host_name,
            "host_credit_code": base.host_credit_code,
            "managing_city": base.managing_city_id,
            "managing_authority": base.managing_authority_id,
            "city": unit.city_id if unit else None,
            "unit": unit.pk if unit else None,
            "training_fields": base.fields,
            "valid_from": base.valid_from,
            "valid_until": base.valid_until,
            "contact": base.contact,
        }


class BaseStatusForm(forms.Form):
    """The status a base is set to (hidden: chosen on the base's page) and why."""

    to = forms.ChoiceField(
        label=_("New status"), choices=Base.Status.choices, widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the findings of the inspection, or the rectification done."),
        error_messages={"required": _("Give the reason.")},
    )


class BaseStaffForm(forms.Form):
    """A person to make staff of a base: an existing account (by ID number, or by
    phone) or a new one (the ID number is then needed: it is the login)."""

    real_name = NameField(label=_("Real name"))
    phone = PhoneField(label=_("Mobile phone"))
    id_number = IdNumberField(
        label=_("ID card number"),
        required=False,
        help_text=_(
            "Needed when she has no account yet: it is her login. Without it, the "
            "account with this mobile phone is used."
        ),
    )
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)

    def staff_data(self) -> dict:
        """The keyword arguments of portal.base_registry.base_staff_add."""
        return {k: self.cleaned_data[k] for k in ("real_name", "phone", "id_number", "email")}
