from django.urls import path

from . import views

app_name = "dossiers"
urlpatterns = [
    path("ho-so/<int:pk>/", views.dossier_detail, name="detail"),
    path("ho-so/<int:pk>/nhat-ky/", views.dossier_event_list, name="events"),
    path("ho-so/<int:pk>/tep/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
