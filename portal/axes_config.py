"""django-axes under a Chinese name in the admin.

Axes gives its app no verbose name ("Axes" in the admin index); its model names do
go through gettext and are translated in our catalogue. Kept out of portal/apps.py,
where a second AppConfig would stop Django choosing PortalConfig by itself.
"""

from axes.apps import AppConfig as BaseAxesConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(BaseAxesConfig):
    verbose_name = _("login lockouts")
