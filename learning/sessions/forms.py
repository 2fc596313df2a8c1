from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credits.models import Category
from learning.sessions.services import AttendanceFileError, attendees_in_file
from portal.forms import DateInput, XlsxUploadForm
from portal.models import User
from portal.tabular import TableError


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    hours = forms.CharField(label=_("Hours"), max_length=10)
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    place = forms.CharField(label=_("Place"), max_length=200)


class AttendanceFileForm(XlsxUploadForm):
    """An attendance list: valid when every row names one of `people` (those the
    organiser may add); `cleaned_data["people"]` are they. A row that cannot be
    taken is one error each (learning.sessions.services.attendees_in_file). Without
    `people` (a queryset of User) nobody may be added."""

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people if people is not None else User.objects.none()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("file"):
            try:
                cleaned["people"] = attendees_in_file(upload=cleaned["file"], people=self.people)
            except AttendanceFileError as error:
                raise ValidationError(error.problems) from None
            except TableError as error:  # a file that cannot be read as a table
                raise ValidationError(str(error)) from None
        return cleaned
