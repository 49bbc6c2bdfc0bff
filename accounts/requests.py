"""Requests whose user is signed in, for the type checker: a page behind `login_required`, or
an API view behind DRF's default `IsAuthenticated`, annotates its request with these."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from .models import User


class SignedInHttpRequest(HttpRequest):
    user: User


class SignedInRequest(Request):
    user: User
