from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/new/", views.notice_create, name="create"),
    path("notices/preview/", views.notice_preview, name="preview"),
    path("notices/<int:pk>/", views.notice_detail, name="detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="edit"),
    path("notices/<int:pk>/issue/", views.notice_issue, name="issue"),
    path("notices/<int:pk>/extend/", views.notice_extend, name="extend"),
    path("notices/<int:pk>/revoke/", views.notice_revoke, name="revoke"),
    path("notices/<int:pk>/remind/", views.notice_remind, name="remind"),
    path("notices/<int:pk>/u/<str:code>/", views.class_detail, name="class_detail"),
    path("notices/<int:pk>/u/<str:code>/links.xlsx", views.links_xlsx, name="links_xlsx"),
    path("notices/<int:pk>/u/<str:code>/register.xlsx", views.register_xlsx, name="register_xlsx"),
    path("notices/<int:pk>/u/<str:code>/poster.pdf", views.poster, name="poster"),
    path("notices/<int:pk>/u/<str:code>/pdf/<str:kind>/", views.pdf_start, name="pdf_start"),
    path("notices/jobs/<int:pk>/", views.job_detail, name="job"),
    path("notices/jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("notices/d/<int:pk>/paper/", views.delivery_paper, name="paper"),
    path("notices/d/<int:pk>/revoke/", views.delivery_revoke, name="delivery_revoke"),
    path("notices/sig/<int:pk>/void/", views.signature_void, name="void"),
    path("notices/sig/<int:pk>/countersign/", views.signature_countersign, name="countersign"),
    path("notices/sig/<int:pk>/image.png", views.signature_image, name="signature_image"),
    # Public, no login: personal link, receipt code, class link.
    path("s/", views.sign_code, name="sign_code"),
    path("s/<str:token>/", views.sign, name="sign"),
    path("s/<str:token>/done/", views.sign_done, name="sign_done"),
    path("c/<str:token>/", views.class_link, name="class_link"),
]
