"""The downloadable data package of the public corpus, and the event figures CSV."""

import csv
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from frictionless import Package

from claims.dataset import build_dataset
from claims.models import Claim
from tests.site_data import build_site

pytestmark = pytest.mark.django_db

TABLES = {"claims", "attributions", "figures", "events", "documents", "actors", "outlets"}


@pytest.fixture
def site():
    return build_site()


@pytest.fixture
def package(site, tmp_path):
    path = build_dataset(tmp_path / "dataset.zip")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    return folder


def rows(folder, table: str) -> list[dict]:
    return list(csv.DictReader((folder / "data" / f"{table}.csv").open(encoding="utf-8")))


def test_data_package_is_valid_by_frictionless(package):
    report = Package(str(package / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_data_package_describes_every_table_with_license_and_build_date(package):
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in descriptor["resources"]} == TABLES
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["created"]
    for resource in descriptor["resources"]:
        assert all(field["description"] for field in resource["schema"]["fields"])


def test_data_package_holds_only_published_claims_and_their_evidence(site, tmp_path):
    site.links.publication = Claim.Publication.DRAFT
    site.links.save()
    path = build_dataset(tmp_path / "dataset.zip")
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "x")
    claims = {r["id"] for r in rows(tmp_path / "x", "claims")}
    assert str(site.links.pk) not in claims and str(site.toll.pk) in claims
    assert {r["claim_id"] for r in rows(tmp_path / "x", "attributions")} <= claims


def test_figures_table_has_one_plain_figure_per_row(package, site):
    figures = rows(package, "figures")
    assert {f["text"] for f in figures} >= {"around 100 people", "some 170 Afghans"}
    for figure in figures:
        assert not any("{" in v or "datetime" in v for v in figure.values())


def test_build_dataset_command_writes_the_zip(site, tmp_path):
    out = io.StringIO()
    call_command("build_dataset", output=str(tmp_path / "d.zip"), stdout=out)
    assert zipfile.is_zipfile(tmp_path / "d.zip") and "written" in out.getvalue()


def test_every_page_footer_links_the_dataset_which_downloads(client, site, settings, tmp_path):
    settings.DATASET_DIR = tmp_path
    body = client.get("/").content.decode()
    assert 'href="/dataset.zip"' in body
    response = client.get("/dataset.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert zipfile.is_zipfile(io.BytesIO(b"".join(response.streaming_content)))


def test_event_figures_csv_has_one_figure_per_row_in_plain_columns(client, site):
    response = client.get(f"/api/v1/events/{site.kabul.pk}/figures/?format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()  # streamed: every figure, unpaginated
    table = list(csv.DictReader(io.StringIO(body)))
    assert {r["text"] for r in table} == {
        "around 100 people",
        "some 170 Afghans",
        "13 American soldiers",
    }
    by_text = {r["text"]: r for r in table}
    assert by_text["around 100 people"]["diverging"] == "true"
    assert by_text["13 American soldiers"]["diverging"] == "false"
    for row in table:
        assert not any(v.startswith(("{", "[")) or "datetime" in v for v in row.values())
