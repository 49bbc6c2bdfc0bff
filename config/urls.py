from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import admin_login

urlpatterns = [
    path("admin/login/", admin_login),  # before the admin's own: sign-in attempts are counted
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("groups.urls")),
    path("", include("messaging.urls")),
    path("", include("notifications.urls")),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
