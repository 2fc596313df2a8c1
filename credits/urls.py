from django.urls import path

from credits import report_views, views
from portal.upload_views import upload_template

app_name = "credits"

urlpatterns = [
    path("my/", views.my_hours, name="my_hours"),
    path("my/export.xlsx", views.my_hours_export, name="my_hours_export"),
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/new/", views.declaration_new, name="declaration_new"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration_detail"),
    path(
        "declarations/<int:pk>/evidence/<int:evidence_pk>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/export.xlsx", views.staff_export, name="staff_export"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("former/<int:pk>/", views.past_staff_detail, name="past_staff_detail"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
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
    path("offline/<int:pk>/", views.offline_preview, name="offline_preview"),
    path("offline/jobs/<int:pk>/", views.offline_job, name="offline_job"),
    path("eligibility/<int:pk>/", views.eligibility, name="eligibility"),
    path("eligibility/bulk/", views.eligibility_bulk, name="eligibility_bulk"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/new/", report_views.report_new, name="report_new"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/retry/", report_views.report_retry_view, name="report_retry"),
    path("reports/<int:pk>/<str:kind>/", report_views.report_file, name="report_file"),
]
