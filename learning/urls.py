from django.urls import path

from learning import editing_views, quality_views, session_views, study_views, views

app_name = "learning"

urlpatterns = [
    path("api/platforms/<slug:code>/completions", views.push_completions, name="push"),
    path("api/openapi.json", views.openapi, name="openapi"),
    path("platforms/", views.reconciliation, name="reconciliation"),
    path("platforms/records/", views.records, name="records"),
    path("platforms/records/export.xlsx", views.records_export, name="records_export"),
    path("platforms/records/<int:pk>/", views.record_detail, name="record"),
    path("platforms/<slug:code>/keys/new/", views.key_create, name="key_create"),
    path("platforms/keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
    path("platforms/imports/new/", views.import_upload, name="import_upload"),
    path("platforms/imports/<int:pk>/", views.import_detail, name="import"),
    path("courses/", study_views.catalog, name="catalog"),
    path("courses/<int:pk>/", study_views.course_detail, name="course"),
    path("courses/<int:pk>/enrol/", study_views.course_enrol, name="enrol"),
    path("courses/<int:pk>/quiz/", study_views.quiz, name="quiz"),
    path("lessons/<int:pk>/", study_views.lesson_page, name="lesson"),
    path("lessons/<int:pk>/heartbeat/", study_views.lesson_heartbeat, name="heartbeat"),
    path("my/courses/", study_views.my_courses, name="my_courses"),
    path("my/suggestions/", study_views.suggestions, name="suggestions"),
    path("courses/<int:pk>/nominate/", quality_views.course_nominate, name="nominate"),
    path("courses/quality/review/", quality_views.quality_review, name="quality_review"),
    path("courses/quality/<int:year>/", quality_views.quality_list, name="quality_list"),
    path("sessions/", session_views.session_list, name="sessions"),
    path("sessions/<int:pk>/", session_views.session_detail, name="session"),
    path("sessions/<int:pk>/close/", session_views.session_close_view, name="session_close"),
    path("courses/manage/", editing_views.course_manage, name="course_manage"),
    path("courses/manage/new/", editing_views.course_edit, name="course_new"),
    path("courses/manage/<int:pk>/", editing_views.course_edit, name="course_edit"),
    path("courses/manage/<int:pk>/questions/", editing_views.question_add, name="question_add"),
    path(
        "courses/manage/<int:pk>/questions/<int:question_pk>/delete/",
        editing_views.question_delete,
        name="question_delete",
    ),
]
