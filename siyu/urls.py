from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from siyu.api.urls import api
from siyu.core import views as core_views
from siyu.wecom import login as wecom_login
from siyu.wecom import views as wecom_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("wecom/callback", wecom_views.callback, name="wecom_callback"),
    path("login/wecom/", wecom_login.wecom_login, name="wecom_login"),
    path("console/wecom/failures/", wecom_views.callback_failures, name="callback_failures"),
    path("login/wecom/callback/", wecom_login.wecom_login_callback, name="wecom_login_callback"),
    path("console/", include("siyu.org.urls")),
    path("console/", include("siyu.members.urls")),
    path("console/", include("siyu.relations.urls")),
    path("console/", include("siyu.content.urls")),
    path("console/", include("siyu.tracking.urls")),
    path("console/", include("siyu.commerce.urls")),
    path("console/", include("siyu.guidetasks.urls")),
    path("console/", include("siyu.loyalty.urls")),
    path("m/", include("siyu.members.workbench_urls")),
    path("m/", include("siyu.content.workbench_urls")),
    path("m/", include("siyu.tracking.workbench_urls")),
    path("m/", include("siyu.commerce.workbench_urls")),
    path("m/", include("siyu.guidetasks.workbench_urls")),
    path("m/", include("siyu.dashboards.urls")),
    path("m/", include("siyu.loyalty.workbench_urls")),
    path("h5/", include("siyu.loyalty.public_urls")),
    path("s/", include("siyu.content.public_urls")),
    path("shop/", include("siyu.commerce.shop_urls")),
    path("admin/", admin.site.urls),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
