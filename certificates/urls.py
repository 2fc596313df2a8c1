from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/my/", views.my_certificates, name="mine"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="pdf"),
    path("certificates/unit/", views.unit_certificates, name="unit"),
    path("certificates/issue/<int:person_pk>/", views.issue_one, name="issue"),
    path("certificates/batches/new/", views.batch_new, name="batch_new"),
    path("certificates/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("certificates/bundles/new/", views.bundle_new, name="bundle_new"),
    path("certificates/bundles/<int:pk>/", views.bundle_detail, name="bundle"),
    path("certificates/bundles/<int:pk>/pdf/", views.bundle_pdf, name="bundle_pdf"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("certificates/search/", views.search, name="search"),
    path("certificates/blocked/", views.blocked, name="blocked"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>", views.verify, name="verify"),
]
