"""Every form of the project, found by walking its modules (never listed by hand), so
tests over "every form" also check the forms added later."""

import importlib
import inspect
import pkgutil

from django import forms
from django.contrib import admin
from django.test import RequestFactory

from tests.project import PROJECT_APPS

# Not forms' homes, and importing them has effects of their own.
SKIPPED_MODULES = ("migrations", "management", "settings", "wsgi", "celery")


def project_modules():
    """Import and return every module of the project's apps."""
    modules = []
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if not set(info.name.split(".")) & set(SKIPPED_MODULES):
                modules.append(importlib.import_module(info.name))
    return modules


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_form_classes():
    """(label, class) of every Form and ModelForm class defined in the project's apps,
    and of the forms of the formsets they define (made by Django's factories, at module
    level or by a `*_formset()` function)."""
    modules = project_modules()
    found = {
        f"{cls.__module__}.{cls.__qualname__}": cls
        for cls in _subclasses(forms.BaseForm)
        if cls.__module__.split(".")[0] in PROJECT_APPS
    }
    for module in modules:
        for attr, value in vars(module).items():
            formset = None
            if inspect.isclass(value) and issubclass(value, forms.BaseFormSet):
                formset = value
            elif (
                inspect.isfunction(value)
                and attr.endswith("formset")
                and value.__module__ == module.__name__
            ):
                formset = value()
            if formset is not None and hasattr(formset, "form"):
                found.setdefault(f"{module.__name__}.{attr}.form", formset.form)
    assert "portal.forms.LoginForm" in found  # the walk found the forms
    return sorted(found.items())


def admin_form_classes(superuser):
    """(label, class) of the forms the admin builds for the project's models, inlines
    included."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    built = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        built.append((f"admin:{model._meta.label}", model_admin.get_form(request)))
        for inline in model_admin.get_inline_instances(request):
            label = f"admin:{model._meta.label}:{inline.model._meta.label}"
            built.append((label, inline.get_formset(request).form))
    return built
