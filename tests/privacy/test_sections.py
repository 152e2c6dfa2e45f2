"""The registry of sections (privacy.sections): surveys adds the rating to the citizen's download and to the
archive packages from its ready(), other sections come and go without privacy knowing their apps, and privacy
imports none of the apps above it."""

import ast
import json
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from privacy import sections
from privacy.packages import write_package
from privacy.services import correction_request_create
from surveys import personal_data
from surveys import services as survey_services
from surveys.models import Level, Via

pytestmark = pytest.mark.django_db

COMMENT = "Cán bộ hướng dẫn tận tình"
ABOVE_PRIVACY = {"portal", "workspace", "surveys", "reports", "demo"}


@pytest.fixture
def rated(owned):
    mine, theirs = owned
    survey_services.rating_submit(dossier=mine, overall=Level.VERY_SATISFIED, convenience=Level.SATISFIED,
                                  comment=COMMENT, via=Via.LINK)
    return mine, theirs


@pytest.fixture
def registry(monkeypatch):
    """The registry as the apps left it, restored after the test."""
    monkeypatch.setattr(sections, "_sections", dict(sections._sections))
    return sections


def download(client, user) -> dict:
    client.force_login(user)
    response = client.get(reverse("privacy:my_data_download", args=["json"]))
    assert response.status_code == 200
    return json.loads(response.content)


def package_rows(dossier, root: Path) -> list[dict]:
    package = write_package(dossier, root=root, closed_at=dossier.returned_at or dossier.finished_at)
    with zipfile.ZipFile(package.path) as archive:
        return json.loads(archive.read("dossier.json"))


def test_surveys_registers_the_rating_section_in_its_ready():
    rating = {s.name: s for s in sections.registered_sections()}["rating"]
    assert rating.dossier_data is personal_data.ratings_by_dossier
    assert rating.archive_records is personal_data.rating_records


def test_the_download_lists_privacys_keys_then_the_rating(client, world, rated):
    mine, theirs = rated
    dossier = download(client, world.citizen)["dossiers"][0]
    assert set(dossier) - {s.name for s in sections.registered_sections()} == sections.BUILT_IN_DOSSIER_KEYS
    assert list(dossier)[-1] == "rating"
    assert dossier["rating"] == {"overall": "Rất hài lòng", "convenience": "Hài lòng", "comment": COMMENT,
                                 "rated_at": dossier["rating"]["rated_at"]}
    assert dossier["rating"]["rated_at"]
    # The other citizen's dossier has no rating: the key is there, empty.
    assert download(client, theirs.applicant_user)["dossiers"][0]["rating"] is None


def test_the_package_holds_the_rating_between_the_dossiers_rows_and_the_correction_requests(world, rated, tmp_path):
    mine, _theirs = rated
    correction_request_create(actor=world.citizen, dossier=mine, field="address", wrong_value="Ấp Bình Hòa",
                              correct_value="Ấp Bình Hòa 2")
    rows = package_rows(mine, tmp_path)
    models = [row["model"] for row in rows]
    assert models[0] == "dossiers.dossier"
    assert models.count("surveys.rating") == 1
    assert models.index("surveys.rating") == len(models) - 2 and models[-1] == "privacy.correctionrequest"
    rating = next(row for row in rows if row["model"] == "surveys.rating")
    assert rating["fields"]["comment"] == COMMENT and rating["fields"]["dossier"] == mine.pk


def test_without_the_section_privacy_leaves_the_rating_out(client, world, rated, registry, tmp_path):
    mine, _theirs = rated
    registry.unregister_section("rating")
    dossier = download(client, world.citizen)["dossiers"][0]
    assert "rating" not in dossier and COMMENT not in json.dumps(dossier, ensure_ascii=False)
    assert "surveys.rating" not in {row["model"] for row in package_rows(mine, tmp_path)}


def test_a_registered_section_reaches_the_download_and_the_package(client, world, rated, registry, tmp_path):
    mine, theirs = rated
    seen = []

    def data(dossiers):
        seen.append([d.pk for d in dossiers])
        return {mine.pk: {"note": "ghi chú"}}

    registry.register_section("extra", dossier_data=data, archive_records=lambda d: [world.citizen])
    dossier = download(client, world.citizen)["dossiers"][0]
    assert list(dossier)[-2:] == ["rating", "extra"] and dossier["extra"] == {"note": "ghi chú"}
    assert seen == [[mine.pk]]  # once per download, with the citizen's dossiers only
    assert download(client, theirs.applicant_user)["dossiers"][0]["extra"] is None
    models = [row["model"] for row in package_rows(mine, tmp_path)]
    assert models[-2:] == ["surveys.rating", "accounts.user"]

    # Registering a name again replaces it in place.
    registry.register_section("rating", dossier_data=lambda dossiers: {mine.pk: "thay"})
    dossier = download(client, world.citizen)["dossiers"][0]
    assert list(dossier)[-2:] == ["rating", "extra"] and dossier["rating"] == "thay"


def test_a_section_needs_a_free_name_and_a_provider(registry):
    for name in ("code", "applicant", "notifications", ""):
        with pytest.raises(ValueError):
            registry.register_section(name, dossier_data=lambda dossiers: {})
    with pytest.raises(ValueError):
        registry.register_section("nothing")
    assert "nothing" not in {s.name for s in registry.registered_sections()}


def test_privacy_imports_no_app_above_it():
    root = Path(sections.__file__).parent
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ABOVE_PRIVACY, f"{path.relative_to(root)} imports {name}"
