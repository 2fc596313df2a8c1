from django.urls import path

from credits import report_views, views
from portal import converters  # noqa: F401  (registers <pk:…>, <year:…>, <verification_code:…>)
from portal.upload_views import upload_template

app_name = "credits"

urlpatterns = [
    path("my/", views.my_hours, name="my_hours"),
    path("my/export.xlsx", views.my_hours_export, name="my_hours_export"),
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/new/", views.declaration_new, name="declaration_new"),
    path("declarations/<pk:pk>/", views.declaration_detail, name="declaration_detail"),
    path(
        "declarations/<pk:pk>/evidence/<pk:evidence_pk>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<pk:pk>/", views.review_detail, name="review_detail"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/export.xlsx", views.staff_export, name="staff_export"),
    path("people/<pk:pk>/", views.person_detail, name="person_detail"),
    path("former/<pk:pk>/", views.past_staff_detail, name="past_staff_detail"),
    path("entries/<pk:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("offline/", views.offline_upload, name="offline_upload"),
    path(
        "offline/template.xlsx",
        upload_template,
        {"key": "offline-hours"},
        name="offline_template",
    ),
    path(
        "eligibility/template.xlsx",
        upload_template,
        {"key": "eligibility-list"},
        name="eligibility_template",
    ),
    path("offline/<pk:pk>/", views.offline_preview, name="offline_preview"),
    path("offline/jobs/<pk:pk>/", views.offline_job, name="offline_job"),
    path("eligibility/<pk:pk>/", views.eligibility, name="eligibility"),
    path("eligibility/bulk/", views.eligibility_bulk, name="eligibility_bulk"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/new/", report_views.report_new, name="report_new"),
    path("reports/<pk:pk>/", report_views.report_detail, name="report"),
    path("reports/<pk:pk>/retry/", report_views.report_retry_view, name="report_retry"),
    path("reports/<pk:pk>/<str:kind>/", report_views.report_file, name="report_file"),
]
