from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.sync_page, name="sync"),
    path("<int:pk>/thu-lai/", views.retry, name="retry"),
    path("<int:pk>/bo-qua/", views.skip, name="skip"),
    path("thu-lai-bi-tu-choi/", views.retry_rejected, name="retry_rejected"),
    # Called by the national portal (bearer token DVCQG["INBOUND_TOKEN"]; 404 while none is set).
    path("nhan-ho-so/", views.inbound, name="inbound"),
    path("tra-cuu-ho-so/", views.lookup, name="lookup"),
]
