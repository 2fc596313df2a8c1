from django.urls import path

from learning.catalog import views as catalog_views
from learning.plans import views as plan_views
from learning.platforms import views as platform_views
from learning.quality import views as quality_views
from learning.sessions import views as session_views
from portal import converters  # noqa: F401  (registers <pk:…>, <year:…>, <verification_code:…>)
from portal.upload_views import upload_template

app_name = "learning"

urlpatterns = [
    path("api/platforms/<slug:code>/completions", platform_views.push_completions, name="push"),
    path("api/openapi.json", platform_views.openapi, name="openapi"),
    path("platforms/", platform_views.reconciliation, name="reconciliation"),
    path("platforms/records/", platform_views.records, name="records"),
    path("platforms/records/export.xlsx", platform_views.records_export, name="records_export"),
    path("platforms/records/<pk:pk>/", platform_views.record_detail, name="record"),
    path("platforms/<slug:code>/keys/new/", platform_views.key_create, name="key_create"),
    path("platforms/keys/<pk:pk>/revoke/", platform_views.key_revoke, name="key_revoke"),
    path("platforms/imports/new/", platform_views.import_upload, name="import_upload"),
    path(
        "platforms/imports/template.xlsx",
        upload_template,
        {"key": "platform-records"},
        name="import_template",
    ),
    path(
        "sessions/template.xlsx",
        upload_template,
        {"key": "attendance"},
        name="session_template",
    ),
    path("platforms/imports/<pk:pk>/", platform_views.import_detail, name="import"),
    path("courses/", catalog_views.catalog, name="catalog"),
    path("courses/<pk:pk>/", catalog_views.course_detail, name="course"),
    path("courses/<pk:pk>/enrol/", catalog_views.course_enrol, name="enrol"),
    path("courses/<pk:pk>/quiz/", catalog_views.quiz, name="quiz"),
    path("lessons/<pk:pk>/", catalog_views.lesson_page, name="lesson"),
    # <str:pk>: a malformed id gets the heartbeat's JSON 404, not the HTML one.
    path("lessons/<str:pk>/heartbeat/", catalog_views.lesson_heartbeat, name="heartbeat"),
    path("my/courses/", catalog_views.my_courses, name="my_courses"),
    path("my/suggestions/", catalog_views.suggestions, name="suggestions"),
    path("courses/<pk:pk>/nominate/", quality_views.course_nominate, name="nominate"),
    path("courses/quality/review/", quality_views.quality_review, name="quality_review"),
    path("courses/quality/base/", quality_views.base_nominate, name="quality_base"),
    path("courses/quality/queue/", quality_views.quality_queue, name="quality_queue"),
    path(
        "courses/quality/nominations/<pk:pk>/score/",
        quality_views.quality_score,
        name="quality_score",
    ),
    path(
        "courses/quality/nominations/<pk:pk>/shortlist/",
        quality_views.quality_shortlist,
        name="quality_shortlist",
    ),
    path("courses/quality/<year:year>/", quality_views.quality_list, name="quality_list"),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/<pk:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<pk:pk>/download/<str:kind>/", plan_views.plan_download, name="plan_download"),
    path("plans/manage/", plan_views.plan_manage, name="plan_manage"),
    path("plans/manage/new/", plan_views.plan_edit, name="plan_new"),
    path("plans/manage/<pk:pk>/", plan_views.plan_edit, name="plan_edit"),
    path("plans/manage/<pk:pk>/publish/", plan_views.plan_publish_view, name="plan_publish"),
    path("my/plan/", plan_views.my_plan, name="my_plan"),
    path("filings/", plan_views.filing_page, name="filing"),
    path("filings/reminder/", plan_views.filing_reminder, name="filing_reminder"),
    path("filings/board/", plan_views.filing_board, name="filing_board"),
    path("filings/<pk:pk>/<str:kind>/", plan_views.filing_file, name="filing_file"),
    path("sessions/", session_views.session_list, name="sessions"),
    path("sessions/<pk:pk>/", session_views.session_detail, name="session"),
    path("sessions/<pk:pk>/close/", session_views.session_close_view, name="session_close"),
    path("courses/manage/", catalog_views.course_manage, name="course_manage"),
    path("courses/manage/new/", catalog_views.course_edit, name="course_new"),
    path("courses/manage/<pk:pk>/", catalog_views.course_edit, name="course_edit"),
    path("courses/manage/<pk:pk>/questions/", catalog_views.question_add_view, name="question_add"),
    path(
        "courses/manage/<pk:pk>/questions/<pk:question_pk>/delete/",
        catalog_views.question_delete_view,
        name="question_delete",
    ),
]
