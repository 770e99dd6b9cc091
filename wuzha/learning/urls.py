from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("learning/", views.home, name="home"),
    path("learning/bank/", views.bank, name="bank"),
    path("learning/bank/export.xlsx", views.bank_export, name="bank_export"),
    path("learning/bank/import/", views.bank_import, name="bank_import"),
    path(
        "learning/bank/import/<str:token>/", views.bank_import_preview, name="bank_import_preview"
    ),
    path("learning/bank/<int:pk>/", views.question_detail, name="question_detail"),
    path("learning/bank/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("learning/bank/<int:pk>/retire/", views.question_retire, name="question_retire"),
    path("learning/units/<str:code>/quizzes/new/", views.quiz_create, name="quiz_create"),
    path("learning/quizzes/<int:pk>/", views.quiz_detail, name="quiz_detail"),
    path("learning/quizzes/<int:pk>/items/", views.quiz_items, name="quiz_items"),
    path("learning/quizzes/<int:pk>/u/<str:code>/", views.quiz_unit, name="quiz_unit"),
    path(
        "learning/quizzes/<int:pk>/u/<str:code>/results.xlsx",
        views.quiz_export,
        name="quiz_export",
    ),
    path("learning/quizzes/<int:pk>/u/<str:code>/links.xlsx", views.quiz_links, name="quiz_links"),
    path(
        "learning/selftests/<int:pk>/u/<str:code>/links.xlsx",
        views.selftest_links,
        name="selftest_links",
    ),
    path("learning/selftest-rules/", views.selftest_rules, name="selftest_rules"),
    path("learning/units/<str:code>/selftests/new/", views.selftest_create, name="selftest_create"),
    path("learning/selftests/<int:pk>/", views.selftest_detail, name="selftest_detail"),
    path("learning/selftests/<int:pk>/u/<str:code>/", views.selftest_unit, name="selftest_unit"),
    path(
        "learning/selftest-responses/<int:pk>/", views.selftest_response, name="selftest_response"
    ),
    # Public, no login: knowledge, tests and self-tests through personal or class links.
    path("learn/", views.knowledge, name="knowledge"),
    path("learn/<str:code>/", views.knowledge_type, name="knowledge_type"),
    path("q/<str:token>/", views.take, name="take"),
    path("q/<str:token>/paper/", views.paper, name="paper"),
    path("q/<str:token>/result/<int:number>/", views.result, name="result"),
    path("qc/<str:token>/", views.class_link, name="class_link"),
    path("st/<str:token>/", views.selftest_take, name="selftest_take"),
    path("stc/<str:token>/", views.selftest_class_link, name="selftest_class_link"),
]
