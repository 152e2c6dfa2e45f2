"""Privacy pages, mounted at the site root (onecua/urls.py) because they live under three prefixes: the public
notice, the citizen's account pages (/tai-khoan/) and the staff pages (/can-bo/)."""

from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("quyen-rieng-tu/", views.notice, name="notice"),
    path("tai-khoan/du-lieu-cua-toi/", views.my_data, name="my_data"),
    path("tai-khoan/du-lieu-cua-toi/tai-ve.<str:fmt>", views.my_data_download, name="my_data_download"),
    path("tai-khoan/du-lieu-cua-toi/dinh-chinh/", views.correction_new, name="correction"),
    path("tai-khoan/du-lieu-cua-toi/dinh-chinh/<int:pk>/", views.correction_sent, name="correction_sent"),
    path("can-bo/truy-cap-du-lieu/", views.access_log, name="access_log"),
    path("can-bo/yeu-cau-dinh-chinh/", views.correction_list, name="corrections"),
    path("can-bo/yeu-cau-dinh-chinh/<int:pk>/xu-ly/", views.correction_close, name="correction_close"),
]
