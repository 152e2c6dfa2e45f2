"""Staff satisfaction pages, mounted under can-bo/danh-gia/."""

from django.urls import path

from surveys import staff_views

app_name = "surveys_staff"
urlpatterns = [
    path("ket-qua/", staff_views.results, name="results"),
    path("phan-hoi/", staff_views.follow_up_list, name="follow_ups"),
    path("phan-hoi/<int:pk>/", staff_views.follow_up_detail, name="follow_up"),
    path("ho-so/<int:pk>/quay/", staff_views.kiosk_open, name="kiosk"),
    path("ho-so/<int:pk>/chi-so/", staff_views.indices_edit, name="indices"),
]
