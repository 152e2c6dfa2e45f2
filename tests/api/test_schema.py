"""The OpenAPI 3 schema is generated without a warning and served; the documentation page works offline, under the
site's Content Security Policy."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_is_generated_and_validated_without_a_warning(tmp_path):
    # --fail-on-warn turns any warning of drf-spectacular into an error; --validate checks it against OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert text.startswith("openapi: 3.")
    for path in ("/api/v1/procedures/", "/api/v1/dossiers/{code}/supplement/", "/api/v1/events/"):
        assert f"  {path}:" in text


def test_the_schema_is_served_as_json_with_the_oauth2_scheme():
    schema = Client().get("/api/v1/schema/").json()
    assert schema["openapi"].startswith("3.")
    scheme = schema["components"]["securitySchemes"]["oauth2"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/o/token/"
    assert set(scheme["flows"]["clientCredentials"]["scopes"]) == {"catalog:read", "dossiers:read", "dossiers:write"}
    dossiers = schema["paths"]["/api/v1/dossiers/"]
    assert dossiers["get"]["security"] == [{"oauth2": ["dossiers:read"]}]
    assert dossiers["post"]["security"] == [{"oauth2": ["dossiers:write"]}]
    assert {"oauth2": ["catalog:read"]} in schema["paths"]["/api/v1/procedures/"]["get"]["security"]
    assert "application/problem+json" in dossiers["get"]["responses"]["401"]["content"]


def test_the_documentation_page_needs_nothing_from_outside_and_nothing_inline():
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "an inline script would be blocked"
    assert "<style" not in html and "style=" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources  # nothing from a CDN
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
    assert "/static/api/swagger-ui/swagger-ui-bundle.js" in sources
    script = next(s for s in sources if "script=" in s)
    init = Client().get(script.replace("&amp;", "&"))
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
    assert "/api/v1/schema/" in init.content.decode()
