from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config import views

admin.site.site_header = _("学习型党组织建设考评系统 · 管理后台")
admin.site.site_title = _("考评系统管理后台")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("", views.home, name="home"),
    path("ping/", views.ping, name="ping"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The orgs app's accounts/ (but for login and logout above), orgs/, people/ and audit/.
    path("", include("orgs.urls")),
    path("indicators/", include("indicators.urls")),
    path("reports/", include("reports.urls")),
    path("jobs/", include("common.jobs.urls")),
    path("", include("assessments.urls")),
    path("admin/", admin.site.urls),
]
