from django.urls import path

from portal import views as portal
from printing import views as printing_views

app_name = "portal"
urlpatterns = [
    path("nop-ho-so/<str:national_code>/", portal.submit, name="submit"),
    path("nop-ho-so/<str:national_code>/xac-nhan/", portal.submit_confirm, name="submit_confirm"),
    path("da-nop/<str:code>/", portal.submitted, name="submitted"),
    path("tra-cuu/", portal.track, name="track"),
    path("tra-cuu/<str:code>/", portal.tracked_dossier, name="dossier"),
    path("tra-cuu/<str:code>/mau/<str:number>/", portal.tracked_form_pdf, name="form_pdf"),
    path("tra-cuu/<str:code>/bo-sung/", portal.answer_supplement, name="answer"),
    path("tra-cuu/<str:code>/rut-ho-so/", portal.withdraw, name="withdraw"),
    path("tra-cuu/<str:code>/ket-qua/", printing_views.result_download, name="result"),  # the signed result
    path("ho-so-cua-toi/", portal.my_dossiers, name="mine"),
]
