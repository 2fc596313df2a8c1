from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views

portal_patterns = [
    path("", views.home, name="home"),
    path("home/<str:role>/", views.role_home, name="role_home"),
    path("role/", views.role_switch, name="role_switch"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path(
        "password/reset/confirm/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("accounts/<int:pk>/", views.account_action, name="account_action"),
    path("healthz", views.healthz, name="healthz"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("hours/", include("credits.urls")),
    path("", include("certificates.urls")),
    path("", include("learning.urls")),
    path("", include("digital_engineer.urls")),
    path("admin/", admin.site.urls),
]
