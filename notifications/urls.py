from django.urls import path

from notifications import views as outbox_views

app_name = "outbox"
urlpatterns = [
    path("", outbox_views.outbox, name="list"),
    path("<int:pk>/gui-lai/", outbox_views.retry, name="retry"),
]
