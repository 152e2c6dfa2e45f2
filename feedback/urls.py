"""Public feedback pages, mounted under phan-anh/."""

from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_form, name="form"),
    path("da-gui/", views.sent, name="sent"),
    path("tra-cuu/", views.lookup, name="lookup"),
]
