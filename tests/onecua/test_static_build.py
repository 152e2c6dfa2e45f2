"""The production static build: `collectstatic` with the production storage, over the real static folder and
over small trees that show which vendored files it accepts and which it refuses."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from onecua.storage import StaticFilesStorage

ROOT = Path(settings.BASE_DIR)


def collect(settings, tmp_path, source: Path) -> StaticFilesStorage:
    settings.STATIC_ROOT = str(tmp_path / "collected")
    settings.STATICFILES_DIRS = [str(source)]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "onecua.storage.StaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    return StaticFilesStorage(location=settings.STATIC_ROOT)


def test_the_real_static_folder_builds_and_every_page_asset_has_a_hashed_name(settings, tmp_path):
    storage = collect(settings, tmp_path, ROOT / "static")
    for name in ("css/site.css", "js/chart.umd.min.js", "js/htmx.min.js", "fonts/LiberationSerif-Regular.ttf"):
        hashed = storage.stored_name(name)
        assert hashed != name and (Path(settings.STATIC_ROOT) / hashed).is_file(), name
    chart = (ROOT / "static/js/chart.umd.min.js").read_text(encoding="utf-8")
    assert chart.startswith("/*!\n * Chart.js v4") and "Released under the MIT License" in chart


def test_a_vendored_script_naming_a_source_map_it_does_not_ship_still_builds(settings, tmp_path):
    source = tmp_path / "static"
    (source / "js").mkdir(parents=True)
    (source / "js" / "lib.min.js").write_text("var a=1;\n//# sourceMappingURL=lib.js.map\n", encoding="utf-8")
    (source / "css").mkdir()
    (source / "css" / "lib.css").write_text("a{color:red}\n/*# sourceMappingURL=lib.css.map */\n", encoding="utf-8")
    storage = collect(settings, tmp_path, source)
    assert storage.stored_name("js/lib.min.js").startswith("js/lib.min.")


def test_a_stylesheet_naming_a_missing_image_fails_the_build(settings, tmp_path):
    source = tmp_path / "static"
    (source / "css").mkdir(parents=True)
    (source / "css" / "broken.css").write_text("body{background:url(../img/missing.png)}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing.png"):
        collect(settings, tmp_path, source)
