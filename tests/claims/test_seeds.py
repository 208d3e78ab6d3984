"""load_seeds: counts, idempotence, the outcomes SPEC.md lists, exact quotes, and rollback."""

import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from claims.models import Attribution, Claim, Event, Figure
from claims.seeds import SeedError, load_seeds
from sources.models import Actor, ActorAlias, Document, Outlet

SEEDS = Path(settings.BASE_DIR) / "seeds"
MODELS = [Outlet, Actor, ActorAlias, Document, Event, Claim, Attribution, Figure]
SHARED = Path(settings.BASE_DIR).parent / "shared" / "seeds"

pytestmark = pytest.mark.django_db


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def seeded():
    load_seeds(SEEDS)


@pytest.fixture
def curation():
    return yaml.safe_load((SEEDS / "curation.yaml").read_text(encoding="utf-8"))


def test_seed_texts_ship_unchanged():
    texts = sorted(SEEDS.glob("*.txt"))
    assert [p.name for p in texts] == [
        "000_9b088f7733fd23c8.txt",
        "001_a8076a032570bd83.txt",
        "002_e4a8dfd6634a5d49.txt",
        "003_216aeab9af62efa0.txt",
        "004_6891f99af320f9d1.txt",
    ]
    if SHARED.is_dir():
        for path in texts:
            assert path.read_bytes() == (SHARED / path.name).read_bytes()


def test_load_creates_the_curated_records(curation):
    call_command("load_seeds")
    attributions = sum(len(c.get("attributions") or []) for c in curation["claims"])
    figures = sum(
        len(a.get("figures") or []) for c in curation["claims"] for a in c.get("attributions") or []
    )
    assert counts() == {
        "Outlet": len(curation["outlets"]),
        "Actor": len(curation["actors"]),
        "ActorAlias": sum(len(a.get("aliases") or []) for a in curation["actors"]),
        "Document": 5,
        "Event": len(curation["events"]),
        "Claim": len(curation["claims"]),
        "Attribution": attributions,
        "Figure": figures,
    }
    assert Claim.objects.exclude(publication="published").count() == 0


def test_second_load_changes_nothing(seeded, capsys):
    before = counts()
    versions = dict(Claim.objects.values_list("slug", "version"))
    call_command("load_seeds")
    assert counts() == before
    assert dict(Claim.objects.values_list("slug", "version")) == versions
    assert "nothing changed" in capsys.readouterr().out


@pytest.fixture
def seed_copy(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def edit(folder, change):
    path = folder / "curation.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_quote_not_in_its_text_aborts_the_whole_load(seed_copy):
    def corrupt(data):
        data["claims"][-1]["attributions"][0]["quote"] = "words nobody ever wrote"
        data["claims"][-1]["slug"] = "the-last-claim"

    edit(seed_copy, corrupt)
    with pytest.raises(CommandError) as error:
        call_command("load_seeds", folder=str(seed_copy))
    message = str(error.value)
    assert "curation.yaml" in message and "claim “the-last-claim”, attribution 1" in message
    assert "“words nobody ever wrote” is not, character for character, in" in message
    assert all(n == 0 for n in counts().values())


def test_a_missing_actor_aborts_the_whole_load(seed_copy):
    def corrupt(data):
        data["claims"][-1]["attributions"][0]["speaker"] = "nobody-we-know"

    edit(seed_copy, corrupt)
    with pytest.raises(
        SeedError, match="names the actor “nobody-we-know”, which the file does not define"
    ):
        load_seeds(seed_copy)
    assert all(n == 0 for n in counts().values())


def test_a_bad_entry_leaves_an_existing_database_as_it_was(seeded, seed_copy):
    before = counts()

    def corrupt(data):
        data["claims"][0]["text"] = "Changed text that must not be saved"
        data["claims"][-1]["attributions"][0]["quote"] = "words nobody ever wrote"

    edit(seed_copy, corrupt)
    with pytest.raises(SeedError):
        load_seeds(seed_copy)
    assert counts() == before
    assert not Claim.objects.filter(text="Changed text that must not be saved").exists()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda data: data["actors"][0].update(description="Named in seed 003."),
            "description mentions “seed 003”, an editors' note",
        ),
        (
            lambda data: data["claims"][0].update(text="The bombing killed N people"),
            "hold an “N” placeholder",
        ),
        (
            lambda data: data["events"][0].update(date_precision="week"),
            "date_precision must be one of day, month, year",
        ),
    ],
)
def test_public_text_and_dates_are_checked_before_anything_is_saved(seed_copy, change, problem):
    edit(seed_copy, change)
    with pytest.raises(SeedError, match=problem):
        load_seeds(seed_copy)
    assert all(n == 0 for n in counts().values())


def test_a_claim_of_responsibility_without_its_claimant_is_refused(seed_copy):
    def corrupt(data):
        claim = next(
            c for c in data["claims"] if c["slug"] == "isk-carried-out-kabul-airport-bombing"
        )
        claim["attributions"][0].update(speaker=None, voice="own")

    edit(seed_copy, corrupt)
    with pytest.raises(SeedError, match="record the claimant as speaker"):
        load_seeds(seed_copy)
