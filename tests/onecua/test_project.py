"""The project's wiring: docker-compose names real commands and modules; settings; error pages."""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_docker_compose_parses_and_names_real_commands_and_modules():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert (ROOT / "Dockerfile").is_file()
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "."
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "onecua.settings.prod"
        importlib.import_module(service["environment"]["DJANGO_SETTINGS_MODULE"].rsplit(".", 1)[0] + ".base")
    web = shlex.split(services["web"]["command"])
    assert web[:2] == ["sh", "-c"]
    inner = web[2]
    assert "manage.py migrate" in inner and (ROOT / "manage.py").is_file()
    module, _, attr = shlex.split(inner.split("gunicorn", 1)[1])[0].partition(":")
    assert hasattr(importlib.import_module(module), attr)
    for name in ("worker", "beat"):
        argv = shlex.split(services[name]["command"])
        assert argv[0] == "celery" and argv[1] == "-A"
        app_module = importlib.import_module(argv[2])
        assert hasattr(app_module, "celery_app")
        assert argv[3] == name



def _default(value: str) -> str:
    """'${NAME:-default}' → 'default' (docker compose's interpolation with nothing set)."""
    match = re.fullmatch(r"\$\{[A-Z_]+:-([^}]*)\}", str(value))
    return match.group(1) if match else str(value)


def test_docker_compose_puts_the_web_server_behind_an_https_proxy_it_alone_trusts():
    import ipaddress

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    proxy, web = services["proxy"], services["web"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"upstream onecua_web \{[^}]*server web:8000", nginx)
    assert "proxy_pass http://onecua_web;" in nginx
    # The client's address is replaced by the one nginx saw, never appended to what the client sent.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert "ports" not in web  # reached through the proxy only
    proxy_ip = _default(proxy["networks"]["default"]["ipv4_address"])
    subnet = _default(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    assert ipaddress.ip_address(proxy_ip) in ipaddress.ip_network(subnet)
    assert _default(web["environment"]["TRUSTED_PROXIES"]) == proxy_ip
    # nginx's request id reaches the application (replacing the client's) and its own log line.
    assert "proxy_set_header X-Request-ID $request_id;" in nginx
    assert re.search(r"log_format onecua [^;]*\$request_id", nginx) and "access_log /dev/stdout onecua;" in nginx
    # /metrics never public: the proxy answers 404; each replica adds up its workers' observations from a folder
    # emptied at each start, and asks for the bearer token.
    assert re.search(r"location = /metrics \{\s*return 404;", nginx)
    folder = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert f"rm -rf {folder} && mkdir -p {folder}" in web["command"] and "gunicorn.conf.py" in web["command"]
    assert "METRICS_TOKEN" in web["environment"]
    for name in ("web", "worker", "beat"):
        assert _default(services[name]["environment"]["DJANGO_SECURE_SSL_REDIRECT"]) == "true"
        assert _default(services[name]["environment"]["PUBLIC_BASE_URL"]).startswith("https://")

def test_vietnamese_is_default_with_english_available_and_local_time_zone():
    assert settings.LANGUAGE_CODE == "vi"
    assert dict(settings.LANGUAGES).keys() == {"vi", "en"}
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_celery_runs_eagerly_without_a_broker():
    if settings.CELERY_BROKER_URL:
        pytest.skip("a broker is configured for this run")
    from onecua.celery import app

    assert app.conf.task_always_eager is True


@pytest.mark.django_db
def test_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
