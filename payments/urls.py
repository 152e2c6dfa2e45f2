from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("ho-so/<str:code>/", views.start, name="start"),  # POST reference: pay it (or pay again)
    path("ho-so/<str:code>/bien-lai/", views.receipt, name="receipt"),  # ?tt=<reference>
    path("ket-qua/vnpay/", views.return_vnpay, name="return_vnpay"),
    path("ipn/vnpay/", views.ipn_vnpay, name="ipn_vnpay"),
    # The built-in gateway simulator (payments/simulator.py): served only in the embedded default.
    path("thu-nghiem/paymentv2/vpcpay.html", views.simulator, name="simulator_pay"),
    path("thu-nghiem/merchant_webapi/api/transaction", views.simulator, name="simulator_api"),
]
