from django.urls import path

from . import views, workspace

app_name = "dossiers"
urlpatterns = [
    path("", workspace.staff_home, name="home"),
    path("tiep-nhan/<int:agency_id>/", workspace.intake, name="intake"),
    path("so-theo-doi/", workspace.tracking_book, name="book"),
    path("ho-so/<int:pk>/", workspace.dossier_detail, name="detail"),
    path("ho-so/<int:pk>/thao-tac/<slug:name>/", workspace.dossier_action, name="action"),
    path("ho-so/<int:pk>/mau/<str:number>/", workspace.dossier_form_pdf, name="form_pdf"),
    path("ho-so/<int:pk>/nhat-ky/", views.dossier_event_list, name="events"),
    path("ho-so/<int:pk>/tep/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
