"""DRF's session authentication, without loading a session the request has no cookie for."""

from django.conf import settings
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication


class CookieSessionAuthentication(SessionAuthentication):
    """A request without a session cookie has no session to be signed in by: it is anonymous, as
    DRF's class finds after Django has loaded the user from an empty session (a fifth of the
    application's time in a 304). The session is still marked read, so the response varies on
    Cookie exactly as before (SessionMiddleware): a shared cache never gives an anonymous body
    to a signed-in reader. With a cookie: DRF's, unchanged (CSRF enforced on unsafe methods)."""

    def authenticate(self, request):
        django_request = request._request
        if settings.SESSION_COOKIE_NAME not in django_request.COOKIES:
            session = getattr(django_request, "session", None)
            if session is not None:
                session.accessed = True
            return None
        return super().authenticate(request)


class CookieSessionScheme(SessionScheme):
    """In the OpenAPI document: the same cookie scheme as DRF's session authentication."""

    target_class = "api.authentication.CookieSessionAuthentication"
