"""Public rating pages, mounted under danh-gia/."""

from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("quay/<str:code>/<str:token>/", views.kiosk, name="kiosk"),
    path("tra-cuu/<str:code>/", views.tracking, name="tracking"),
    path("cam-on/<str:code>/<str:token>/", views.thanks, name="thanks"),
    path("khao-sat/<str:code>/<str:token>/", views.questionnaire, name="questionnaire"),
    path("ho-so/<str:code>/<str:token>/", views.link, name="link"),
]
