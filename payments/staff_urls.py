from django.urls import path

from payments import staff_views

app_name = "payment_staff"
urlpatterns = [
    path("", staff_views.payment_list, name="list"),
    path("xuat-excel/", staff_views.payment_export, name="export"),
    path("bien-lai/", staff_views.payment_receipt, name="receipt"),  # ?tt=<reference>
]
