from django.urls import path

from reports import consultations_report, feedback_report, views

app_name = "reports"
urlpatterns = [
    path("", views.ii06a, name="ii06a"),
    path("ho-so/", views.drill_down, name="drill_down"),
    path("tong-quan/", views.dashboard, name="dashboard"),
    path("chi-so-766/", views.scores, name="scores"),
    path("phan-anh/", feedback_report.feedback_report, name="feedback"),
    path("xin-y-kien/", consultations_report.consultations_report, name="consultations"),
    path("tong-hop-lai/", views.rebuilds, name="rebuilds"),
    path("tong-hop-lai/chay/", views.rebuild, name="rebuild"),
]
