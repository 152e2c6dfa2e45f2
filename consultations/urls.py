"""Staff consultation pages, mounted under can-bo/xin-y-kien/."""

from django.urls import path

from consultations import views

app_name = "consultations"
urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("<int:pk>/", views.consultation_detail, name="detail"),
    path("ho-so/<int:pk>/", views.consultation_ask, name="ask"),
    path("tep/<int:pk>/", views.consultation_file, name="file"),
]
