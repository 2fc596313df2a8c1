"""A year typed into a form is read one way (portal.forms.YearField: 2000–2100, one
message), whichever form it is in."""

from django import forms

from portal.forms import YearField
from tests.project_forms import project_form_classes


def test_every_typed_year_field_is_the_one_year_field():
    typed = []
    for label, form_class in project_form_classes():
        for name, field in form_class.base_fields.items():
            if name == "year" and isinstance(field, forms.IntegerField):
                typed.append((label, isinstance(field, YearField)))
    assert typed and all(one for _label, one in typed), [label for label, one in typed if not one]
