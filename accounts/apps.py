from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Tài khoản")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.second_factor import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.second_factor")
        checks.register(check_trusted_proxies, checks.Tags.security)
        checks.register(check_oidc_providers, checks.Tags.security, deploy=True)


def check_trusted_proxies(app_configs=None, **kwargs):
    """TRUSTED_PROXIES must be IP addresses or networks (a typo would otherwise fail on the first request)."""
    from django.core.exceptions import ImproperlyConfigured

    from accounts.ratelimit import trusted_proxies

    try:
        trusted_proxies()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="accounts.E001")]
    return []


def check_oidc_providers(app_configs=None, **kwargs):
    """`check --deploy`: a configured OpenID Connect provider is reached over https and has a client secret."""
    from django.conf import settings

    errors = []
    for kind in ("CITIZEN", "STAFF"):
        conf = (getattr(settings, "OIDC", {}) or {}).get(kind, {}) or {}
        if not conf.get("ISSUER") or not conf.get("CLIENT_ID"):
            continue
        if not str(conf["ISSUER"]).startswith("https://"):
            errors.append(checks.Error(f"OIDC {kind}: the issuer must be an https address.", id="accounts.E002"))
        if not conf.get("CLIENT_SECRET"):
            errors.append(checks.Error(f"OIDC {kind}: the client secret is not set.", id="accounts.E003"))
    return errors
