"""A real OpenID Connect provider for the tests: node-oidc-provider (tests/oidc_provider/provider.js) started with
`node provider.js` on a free loopback port, and a small client that signs in at its login page over HTTP.

The package is installed by .ci/run (`npm ci` in tests/oidc_provider/); when it is missing on a developer's machine
the fixture installs it. In CI (CI=true) a missing node or package fails the tests; elsewhere they are skipped with
the reason."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
PACKAGE = PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json"
CLIENT_ID, CLIENT_SECRET = "onecua", "onecua-test-secret"
# Test accounts of provider.js (login, password) and the claims it gives.
AN = {"login": "an", "password": "mat-khau-an", "personal_id": "001090012345", "name": "Nguyễn Văn An",
      "phone": "0912345678", "email": "an.nguyen@example.vn"}
BINH = {"login": "binh", "password": "mat-khau-binh", "personal_id": "079085067890"}
NO_ID = {"login": "khach", "password": "mat-khau-khach"}
STAFF = {"login": "canbo", "password": "mat-khau-canbo", "username": "clerk-oidc"}


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"The OpenID Connect provider cannot run in CI: {reason}")
    pytest.skip(reason)


def node_binary() -> str:
    """node, with oidc-provider installed in tests/oidc_provider (npm ci when missing)."""
    node = shutil.which("node")
    if not node:
        _unavailable("node (Node.js) is not installed")
    if not PACKAGE.exists():
        npm = shutil.which("npm")
        if not npm:
            _unavailable("npm is not installed, and tests/oidc_provider/node_modules is missing")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PROVIDER_DIR,
                              capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0 or not PACKAGE.exists():
            _unavailable(f"npm ci in tests/oidc_provider failed: {done.stderr[-2000:]}")
    return node


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProviderProcess:
    """One provider process; `restart(**env)` stops it and starts it again on the same port (same issuer) with
    other keys or lifetimes, as a deployment of the provider would."""

    def __init__(self, *, keys_file: Path, redirect_uris: list[str], post_logout_uris: list[str]):
        self.node = node_binary()
        self.port = free_port()
        self.keys_file = keys_file
        self.base_env = {"REDIRECT_URIS": ",".join(redirect_uris), "POST_LOGOUT_URIS": ",".join(post_logout_uris),
                         "KEYS_FILE": str(keys_file), "SIGNING_KEYS": "a"}
        self.process: subprocess.Popen | None = None
        self.log = keys_file.with_suffix(".log")

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **env) -> "ProviderProcess":
        environment = {**os.environ, **self.base_env, **{k: str(v) for k, v in env.items()}, "PORT": str(self.port)}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([self.node, "provider.js"], cwd=PROVIDER_DIR, env=environment,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The provider exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"The provider did not answer within 20 s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def restart(self, **env) -> "ProviderProcess":
        self.stop()
        return self.start(**env)


def oidc_settings(settings, provider: ProviderProcess, *, base_url: str, staff: bool = False) -> None:
    """Point the relying party at this provider (copies: the settings fixture restores attributes only)."""
    citizen = {**settings.OIDC["CITIZEN"], "ISSUER": provider.issuer, "CLIENT_ID": CLIENT_ID,
               "CLIENT_SECRET": CLIENT_SECRET}
    staff_conf = {**settings.OIDC["STAFF"], "ISSUER": provider.issuer if staff else "", "CLIENT_ID": CLIENT_ID,
                  "CLIENT_SECRET": CLIENT_SECRET}
    settings.OIDC = {**settings.OIDC, "CITIZEN": citizen, "STAFF": staff_conf}
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": base_url}


class ProviderBrowser:
    """The person's side at the provider, over HTTP: follows redirects, fills in the login form, and stops at the
    first redirect that leaves the provider (back to the relying party). Every address visited is kept."""

    def __init__(self, provider: ProviderProcess):
        self.provider = provider
        self.session = requests.Session()
        self.urls: list[str] = []

    def sign_in(self, authorize_url: str, account: dict) -> str:
        return self._walk(authorize_url, form={"login": account["login"], "password": account["password"]})

    def sign_out(self, end_session_url: str) -> str:
        return self._walk(end_session_url, form={"logout": "yes"})

    def _walk(self, url: str, *, form: dict) -> str:
        method, data = "GET", None
        for _step in range(12):
            self.urls.append(url)
            response = self.session.request(method, url, data=data, allow_redirects=False, timeout=10)
            if response.status_code in (301, 302, 303, 307):
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(self.provider.issuer):
                    self.urls.append(url)
                    return url
                method, data = "GET", None
                continue
            body = response.text
            action = re.search(r'<form[^>]*action="([^"]+)"', body)
            if response.status_code == 200 and action and data is None:
                hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
                url, method, data = urljoin(url, action.group(1).replace("&amp;", "&")), "POST", {**hidden, **form}
                continue
            raise AssertionError(f"Unexpected answer from the provider at {url}: {response.status_code} "
                                 f"{body[:1500]}")
        raise AssertionError("Too many steps at the provider")


def local_path(url: str) -> str:
    """'http://testserver/a/?b=c' → '/a/?b=c' (for Django's test client)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
