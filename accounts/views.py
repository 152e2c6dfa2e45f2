"""Citizen accounts: registration (sign-in is Django's view with accounts.backends)."""

from django.contrib.auth import login
from django.shortcuts import redirect, render

from .forms import RegisterForm
from .models import User


def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = User(username=data["email"] or data["phone"], email=data["email"], phone=data["phone"],
                    full_name=data["full_name"])
        user.set_password(data["password1"])
        user.save()
        login(request, user, backend="accounts.backends.EmailOrPhoneBackend")
        return redirect("portal:mine")
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)
