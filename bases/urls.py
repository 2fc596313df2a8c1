from django.urls import path

from bases import evaluation_views, views
from portal import converters  # noqa: F401  (registers <pk:…>, <year:…>, <verification_code:…>)
from portal.upload_views import upload_template

app_name = "bases"

urlpatterns = [
    # Public: the bases and their open trainings, a training's page, enrolment.
    path("bases/", views.public_list, name="public_list"),
    path("bases/trainings/<pk:pk>/", views.public_training, name="public_training"),
    path("bases/trainings/<pk:pk>/enrol/", views.enrol, name="enrol"),
    # Base staff run their base's trainings; the managing unit decides them.
    path("bases/manage/trainings/", views.trainings, name="trainings"),
    path("bases/manage/trainings/new/", views.training_edit, name="training_new"),
    path("bases/manage/trainings/<pk:pk>/", views.training_detail, name="training"),
    path("bases/manage/trainings/<pk:pk>/edit/", views.training_edit, name="training_edit"),
    path("bases/manage/trainings/<pk:pk>/trainees/", views.trainees, name="trainees"),
    path("bases/manage/trainings/<pk:pk>/close/", views.training_close_view, name="close"),
    path(
        "bases/manage/trainees-template.xlsx",
        upload_template,
        {"key": "base-trainees"},
        name="trainees_template",
    ),
    path("bases/manage/figures/", views.home_figures, name="home_figures"),
    path("bases/manage/approvals/", views.approvals, name="approvals"),
    path("bases/manage/trainings/<pk:pk>/decide/", views.training_decide_view, name="decide"),
    # Provincial HR evaluates the bases yearly; a base reads its own evaluations.
    path("bases/evaluations/", evaluation_views.evaluation_board, name="evaluation_board"),
    path(
        "bases/evaluations/export/",
        evaluation_views.evaluation_export,
        name="evaluation_export",
    ),
    path(
        "bases/<pk:pk>/evaluations/<year:year>/",
        evaluation_views.evaluation_sheet,
        name="evaluation_sheet",
    ),
    path(
        "bases/<pk:pk>/evaluations/",
        evaluation_views.base_evaluations,
        name="base_evaluations",
    ),
]
