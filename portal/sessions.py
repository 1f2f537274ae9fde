"""Sessions in signed cookies, and answers that take no part in them."""

from flask import g
from flask.sessions import SecureCookieSessionInterface


class PortalSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with less work for requests that carry no session, and none at all for an
    answer marked `g.stateless`.

    Such an answer (the public API's JSON) is the same for every visitor: it neither sets the cookie nor says
    that it varies by it, so shared caches may keep it. It must not change the session; nothing is saved.
    """

    def open_session(self, app, request):
        # Without a cookie there is nothing to verify: no signing serializer is built (Flask builds one first).
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if g.get("stateless"):
            return
        if not session and not session.modified:
            # An empty session that stayed empty sets no cookie: only say that the answer depends on it.
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
