from django.urls import path

from certificates import document_views, file_views, registration_check_views, views
from portal import converters  # noqa: F401  (registers <pk:…>, <year:…>, <verification_code:…>)
from portal.upload_views import upload_template

app_name = "certificates"

urlpatterns = [
    path("certificates/my/", views.my_certificates, name="mine"),
    path("certificates/<pk:pk>/pdf/", views.certificate_pdf, name="pdf"),
    path("certificates/unit/", views.unit_certificates, name="unit"),
    path("certificates/issue/<pk:person_pk>/", views.issue_one, name="issue"),
    path("certificates/batches/new/", views.batch_new, name="batch_new"),
    path("certificates/batches/<pk:pk>/", views.batch_detail, name="batch"),
    path("certificates/bundles/new/", views.bundle_new, name="bundle_new"),
    path("certificates/bundles/<pk:pk>/", views.bundle_detail, name="bundle"),
    path("certificates/bundles/<pk:pk>/pdf/", views.bundle_pdf, name="bundle_pdf"),
    path("certificates/<pk:pk>/revoke/", views.revoke, name="revoke"),
    path("certificates/search/", views.search, name="search"),
    path("certificates/blocked/", views.blocked, name="blocked"),
    path(
        "certificates/self-evaluating/",
        views.self_evaluating_board,
        name="self_evaluating_board",
    ),
    path(
        "certificates/self-evaluating/mine/",
        views.self_evaluating_unit_figures,
        name="self_evaluating_mine",
    ),
    path("certificates/my/past-year/", document_views.past_year_request, name="past_year"),
    path("certificates/my/title/", document_views.title_documents, name="title_documents"),
    path(
        "certificates/title/<pk:pk>/pdf/",
        document_views.title_document_pdf,
        name="title_document_pdf",
    ),
    path(
        "certificates/statements/new/<pk:person_pk>/",
        document_views.statement_new,
        name="statement_new",
    ),
    path("certificates/statements/<pk:pk>/", document_views.statement_detail, name="statement"),
    path(
        "certificates/statements/<pk:pk>/pdf/",
        document_views.statement_pdf,
        name="statement_pdf",
    ),
    path(
        "verify/statements/<verification_code:code>",
        document_views.statement_verify,
        name="statement_verify",
    ),
    path(
        "verify/documents/<verification_code:code>",
        document_views.title_document_verify,
        name="title_document_verify",
    ),
    path(
        "certificates/registration-checks/",
        registration_check_views.registration_checks,
        name="registration_checks",
    ),
    path(
        "certificates/registration-checks/new/",
        registration_check_views.registration_check_new,
        name="registration_check_new",
    ),
    path(
        "certificates/registration-checks/template.xlsx",
        upload_template,
        {"key": "registration-check-list"},
        name="registration_check_template",
    ),
    path(
        "certificates/registration-checks/<pk:pk>/",
        registration_check_views.registration_check_detail,
        name="registration_check",
    ),
    path(
        "certificates/registration-checks/<pk:pk>/xlsx/",
        registration_check_views.registration_check_xlsx,
        name="registration_check_xlsx",
    ),
    path(
        "certificates/registration-checks/<pk:pk>/pdf/",
        registration_check_views.registration_check_pdf,
        name="registration_check_pdf",
    ),
    path(
        "verify/checks/<verification_code:code>",
        registration_check_views.registration_check_verify,
        name="registration_check_verify",
    ),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/file/", file_views.verify_file_view, name="verify_file"),
    path("verify/<verification_code:code>", views.verify, name="verify"),
]
