from django.urls import path

from digital_engineer import views
from portal import converters  # noqa: F401  (registers <pk:…>, <year:…>, <verification_code:…>)
from portal.upload_views import upload_template

app_name = "digital_engineer"

urlpatterns = [
    path("digital/classes/", views.class_list, name="classes"),
    path("digital/classes/<pk:pk>/", views.class_detail, name="class"),
    path(
        "digital/classes/records-template.xlsx",
        upload_template,
        {"key": "hours-and-scores"},
        name="records_template",
    ),
    path("digital/classes/<pk:pk>/comment/", views.class_comment_view, name="class_comment"),
    path("digital/classes/<pk:pk>/<str:action>/", views.class_action, name="class_action"),
    path("digital/filings/", views.filing_board, name="board"),
    path("digital/filings/due-soon/", views.due_soon, name="due_soon"),
    path("digital/institutions/", views.supervision, name="supervision"),
    path("digital/catalogue/", views.catalogue, name="catalogue"),
    path("digital/holders/", views.holders, name="holders"),
    path("digital/plans/", views.city_plans, name="city_plans"),
    path("digital/plans/new/", views.city_plan_edit, name="city_plan_new"),
    path("digital/plans/<pk:pk>/", views.city_plan, name="city_plan"),
    path("digital/plans/<pk:pk>/edit/", views.city_plan_edit, name="city_plan_edit"),
    path("digital/certificates/<pk:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("verify/training/<verification_code:code>", views.verify, name="verify"),
]
