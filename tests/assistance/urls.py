"""The project's URLs plus the assistance pages, whether or not the root URLconf includes them
yet (the include is added by the project's owner of jingzhun/urls.py)."""

from django.urls import include, path

from jingzhun import urls as root

_included = any(getattr(p, "namespace", None) == "assistance" for p in root.urlpatterns)

urlpatterns = list(root.urlpatterns)
if not _included:
    urlpatterns.insert(0, path("assistance/", include("jingzhun.assistance.urls")))
