from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import (
    account_views,
    base_registry_views,
    converters,  # noqa: F401  (registers <pk:…>, <year:…>, <verification_code:…>)
    self_evaluation_views,
    views,
)
from portal.roles import public

portal_patterns = [
    path("", views.home, name="home"),
    path("home/<str:role>/", views.role_home, name="role_home"),
    path("role/", views.role_switch, name="role_switch"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path(
        "password/reset/confirm/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("register/", account_views.register, name="register"),
    path("register/unit/", account_views.register_unit, name="register_unit"),
    path("register/units/", account_views.unit_options, name="unit_options"),
    path("registration/", account_views.my_registration, name="my_registration"),
    path("account/", account_views.my_account, name="my_account"),
    path("accounts/", account_views.unit_people, name="unit_people"),
    path(
        "accounts/registrations/<pk:pk>/",
        account_views.registration_review,
        name="registration_review",
    ),
    path("accounts/transfers/<pk:pk>/", account_views.transfer_review, name="transfer_review"),
    path("accounts/<pk:pk>/", account_views.account_action, name="account_action"),
    path("accounts/<pk:pk>/details/", account_views.person_correction, name="person_correction"),
    path("units/registrations/", account_views.unit_registrations, name="unit_registrations"),
    path("units/registrations/<pk:pk>/", account_views.unit_review, name="unit_review"),
    path(
        "units/self-evaluating/",
        self_evaluation_views.self_evaluating_units,
        name="self_evaluating_units",
    ),
    path(
        "units/self-evaluating/<pk:pk>/",
        self_evaluation_views.self_evaluating_unit,
        name="self_evaluating_unit",
    ),
    path("base-registry/", base_registry_views.bases, name="bases"),
    path("base-registry/new/", base_registry_views.base_create, name="base_create"),
    path("base-registry/<pk:pk>/", base_registry_views.base_detail, name="base_detail"),
    path("base-registry/<pk:pk>/edit/", base_registry_views.base_edit, name="base_edit"),
    path("base-registry/<pk:pk>/status/", base_registry_views.base_status, name="base_status"),
    path(
        "base-registry/<pk:pk>/staff/new/",
        base_registry_views.base_staff_new,
        name="base_staff_new",
    ),
    path(
        "base-registry/<pk:pk>/staff/remove/",
        base_registry_views.base_staff_delete,
        name="base_staff_delete",
    ),
    path("managed-bases/", base_registry_views.bases_managed, name="bases_managed"),
    path("transfer/", account_views.my_transfer, name="my_transfer"),
    path("healthz", views.healthz, name="healthz"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("hours/", include("credits.urls")),
    path("", include("certificates.urls")),
    path("", include("learning.urls")),
    path("", include("digital_engineer.urls")),
    path("", include("bases.urls")),
    path("admin/", admin.site.urls),
]

# A database or Redis outage raised outside a view (the session is read in
# middleware) is answered with a 503, not the 500 page (portal.errors).
handler500 = "portal.errors.server_error"
