"""The admin sites' login view, answering 429 with Retry-After when the client is locked."""

import functools


def login_limited(site):
    """`site.login` with the status a locked client gets; the URLconfs route
    `admin/login/` here, ahead of the site's own URLs. The form says why
    (LimitedAdminAuthenticationForm, set as the site's login_form)."""
    from logins.forms import LimitedAdminAuthenticationForm

    site.login_form = LimitedAdminAuthenticationForm

    @functools.wraps(site.login)
    def login(request, *args, **kwargs):
        response = site.login(request, *args, **kwargs)
        wait = getattr(request, "login_locked_for", None)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response

    return login
