from django.urls import path

from printing import views

app_name = "printing"
urlpatterns = [
    path("", views.verify, name="verify"),  # /xac-thuc/: upload a signed PDF
    path("<uuid:key>/", views.verify_signed, name="verify_stored"),  # the QR code of a signed result
]
