from django.urls import path

from reports import views

app_name = "transparency"
urlpatterns = [path("", views.public, name="public")]
