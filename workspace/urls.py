from django.urls import path

from workspace import records, views

app_name = "workspace"
urlpatterns = [
    path("", views.staff_home, name="home"),
    path("tiep-nhan/<int:agency_id>/", views.intake, name="intake"),
    path("so-theo-doi/", views.tracking_book, name="book"),
    path("ho-so/<int:pk>/", views.dossier_detail, name="detail"),
    path("ho-so/<int:pk>/thao-tac/<slug:name>/", views.dossier_action, name="action"),
    path("ho-so/<int:pk>/mau/<str:number>/", views.dossier_form_pdf, name="form_pdf"),
    path("ho-so/<int:pk>/nhat-ky/", records.dossier_event_list, name="events"),
    path("ho-so/<int:pk>/tep/<int:attachment_pk>/", records.attachment_download, name="attachment"),
]
