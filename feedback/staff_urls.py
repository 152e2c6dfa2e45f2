"""Staff feedback pages, mounted under can-bo/phan-anh/."""

from django.urls import path

from feedback import staff_views

app_name = "feedback_staff"
urlpatterns = [
    path("", staff_views.feedback_list, name="list"),
    path("<int:pk>/", staff_views.feedback_detail, name="detail"),
]
