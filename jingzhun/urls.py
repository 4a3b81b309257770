from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("jingzhun.api.urls")),
    path("assistance/", include("jingzhun.assistance.urls")),
    path("audit/", include("jingzhun.audit.urls")),
    path("funds/", include("jingzhun.funds.urls")),
    path("procedures/", include("jingzhun.procedures.urls")),
    path("quality/", include("jingzhun.quality.urls")),
    path("monitoring/", include("jingzhun.monitoring.urls")),
    path("reports/", include("jingzhun.reports.urls")),
    path("", include("jingzhun.web.urls")),
]
