"""Concurrent writes on PostgreSQL: statuses stay right, loaders and figure writes do not fail.

Each race starts its writers together on a barrier, each in its own thread with its own database
connection, and checks the outcome against a recomputation. Small data, so each suite takes
seconds.
"""

import datetime
import queue
import threading

import pytest
from django.db import connection

from claims import evidence, services
from claims.models import Attribution, Claim, Event, Figure, Tag
from claims.seeds import load_seeds
from sources.models import Actor, ActorAlias, Document, Outlet
from tests.api_helpers import editor_permissions, grant, token_client
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    FigureFactory,
    UserFactory,
)

ROUNDS = 30
WRITERS = 20
API = "/api/v1/"


class Racers:
    """Threads that run writers at the same moment, each on its own database connection, kept
    open from round to round (opening twenty connections per round would cost more than the
    writes)."""

    def __init__(self, size: int) -> None:
        self.inboxes = [queue.Queue() for _ in range(size)]
        self.outbox: queue.Queue = queue.Queue()
        self.threads = [threading.Thread(target=self._serve, args=(q,)) for q in self.inboxes]
        for thread in self.threads:
            thread.start()

    def _serve(self, inbox: queue.Queue) -> None:
        try:
            while (task := inbox.get()) is not None:
                barrier, write = task
                try:
                    barrier.wait(timeout=30)
                    write()
                    self.outbox.put(None)
                except BaseException as error:  # reported to the test, which fails on any
                    self.outbox.put(error)
        finally:
            connection.close()

    def race(self, *writers) -> list[BaseException]:
        """Run the writers together; return their errors."""
        barrier = threading.Barrier(len(writers))
        for inbox, write in zip(self.inboxes, writers, strict=False):
            inbox.put((barrier, write))
        results = [self.outbox.get(timeout=60) for _ in writers]
        return [error for error in results if error is not None]

    def stop(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for thread in self.threads:
            thread.join(timeout=30)


@pytest.fixture
def racers():
    pool = Racers(WRITERS)
    yield pool
    pool.stop()


def adder(**fields):
    def write():
        services.save_attribution(attribution=Attribution(**fields))

    return write


def stored_and_recomputed(claim: Claim) -> tuple[tuple[str, str], tuple[str, str]]:
    claim.refresh_from_db()
    return (claim.status, claim.status_reason), evidence.derive([claim.pk])[claim.pk]


@pytest.fixture
def speakers():
    sentences = [f"Speaker {n} said the group did it on day {n}." for n in range(WRITERS)]
    document = DocumentFactory(text=" ".join(sentences), published=datetime.date(2021, 8, 29))
    actors = [ActorFactory(name=f"Speaker {n}") for n in range(WRITERS)]
    return document, actors, sentences


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_support_and_refutation_added_at_once_leave_the_claim_contested(speakers, racers):
    document, (pro, con, *_), sentences = speakers
    for _ in range(ROUNDS):
        claim = ClaimFactory(publication="draft")  # evidence applies at once on a draft
        errors = racers.race(
            adder(
                claim=claim,
                document=document,
                speaker=pro,
                voice="quoted",
                stance="supports",
                quote=sentences[0],
            ),
            adder(
                claim=claim,
                document=document,
                speaker=con,
                voice="paraphrased",
                stance="refutes",
                quote=sentences[1],
            ),
        )
        assert errors == []
        stored, recomputed = stored_and_recomputed(claim)
        assert stored == recomputed
        assert claim.status == "contested"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_additions_at_once_are_all_named_in_the_reason(speakers, racers):
    document, actors, sentences = speakers
    for _ in range(ROUNDS):
        claim = ClaimFactory(publication="draft")  # evidence applies at once on a draft
        errors = racers.race(
            *(
                adder(
                    claim=claim,
                    document=document,
                    speaker=actor,
                    voice="quoted",
                    stance="supports",
                    quote=sentence,
                )
                for actor, sentence in zip(actors, sentences, strict=True)
            )
        )
        assert errors == []
        stored, recomputed = stored_and_recomputed(claim)
        assert stored == recomputed
        assert all(f"{actor.name} (quoted" in claim.status_reason for actor in actors)


TINY_SEEDS = """
outlets:
  - {slug: wire, name: Race Wire, kind: news_agency}
actors:
  - {slug: saleh, name: Race Saleh, kind: person, aliases: [R. Saleh]}
  - {slug: group, name: Race Group, kind: armed_group}
documents:
  - {file: report.txt, title: Race report, outlet: wire, published: 2021-08-29}
events:
  - {slug: blast, name: Race blast, date: 2021-08-26}
claims:
  - slug: race-claim
    text: The group carried out the blast
    event: blast
    tags: [race]
    attributions:
      - {document: report.txt, speaker: saleh, voice: quoted, stance: supports,
         quote: "the group did it", figures: [{measure: killed, qualifier: at_least, value: 46}]}
      - {document: report.txt, speaker: group, voice: paraphrased, stance: refutes,
         quote: "The group denied any role"}
"""


@pytest.fixture
def tiny_seeds(tmp_path):
    (tmp_path / "curation.yaml").write_text(TINY_SEEDS, encoding="utf-8")
    (tmp_path / "report.txt").write_text(
        "Race Saleh said the group did it. The group denied any role.", encoding="utf-8"
    )
    return tmp_path


def empty_the_corpus() -> None:
    for model in (Figure, Attribution, Claim, Tag, Event, Document, ActorAlias, Actor, Outlet):
        model.objects.all().delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_seed_loads_at_once_both_finish_and_load_once(tiny_seeds, racers):
    for _ in range(ROUNDS):
        errors = racers.race(lambda: load_seeds(tiny_seeds), lambda: load_seeds(tiny_seeds))
        assert errors == []
        assert Claim.objects.count() == 1 and Attribution.objects.count() == 2
        claim = Claim.objects.get()
        stored, recomputed = stored_and_recomputed(claim)
        assert stored == recomputed and stored[0] == "contested"
        assert load_seeds(tiny_seeds).changed is False
        empty_the_corpus()


@pytest.fixture
def figure(db):
    # On a draft claim, where evidence writes apply at once (tests/claims/test_review.py has the
    # published claim's review).
    return FigureFactory(attribution__stance="supports", attribution__claim__publication="draft")


@pytest.fixture
def editor_api(db):
    return token_client(grant(UserFactory(is_staff=True), *editor_permissions()))


@pytest.mark.postgres
def test_figure_patch_on_postgresql(figure, editor_api):
    response = editor_api.patch(
        API + f"figures/{figure.pk}/",
        {"value": 60},
        format="json",
        HTTP_IF_MATCH=f'"{figure.version}"',
    )
    assert response.status_code == 200
    assert response.json()["value"] == 60
    figure.refresh_from_db()
    assert (figure.value, figure.low) == (60, 60)


@pytest.mark.postgres
def test_figure_delete_on_postgresql(figure, editor_api):
    claim = figure.attribution.claim
    response = editor_api.delete(API + f"figures/{figure.pk}/", HTTP_IF_MATCH=f'"{figure.version}"')
    assert response.status_code == 204
    assert not Figure.objects.filter(pk=figure.pk).exists()
    stored, recomputed = stored_and_recomputed(claim)
    assert stored == recomputed


@pytest.mark.postgres
def test_attribution_patch_on_postgresql_locks_only_its_row(figure, editor_api):
    attribution = figure.attribution
    response = editor_api.patch(
        API + f"attributions/{attribution.pk}/",
        {"stance": "refutes"},
        format="json",
        HTTP_IF_MATCH=f'"{attribution.version}"',
    )
    assert response.status_code == 200
    stored, recomputed = stored_and_recomputed(attribution.claim)
    assert stored == recomputed
    assert stored[0] == "unsupported"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_attribution_edit_and_a_new_figure_of_it_at_once_do_not_deadlock(racers):
    figure = FigureFactory(attribution__stance="supports", attribution__claim__publication="draft")
    attribution, claim = figure.attribution, figure.attribution.claim
    api = token_client(grant(UserFactory(is_staff=True), *editor_permissions()))
    for n in range(ROUNDS):
        attribution.refresh_from_db()
        stance = "refutes" if n % 2 else "supports"

        def edit(version=attribution.version, stance=stance):
            response = api.patch(
                API + f"attributions/{attribution.pk}/",
                {"stance": stance},
                format="json",
                HTTP_IF_MATCH=f'"{version}"',
            )
            assert response.status_code == 200, response.content

        def add(value=n + 1):
            services.save_figure(
                figure=Figure(
                    attribution_id=attribution.pk,
                    event_id=figure.event_id,
                    measure="killed",
                    qualifier="exact",
                    value=value,
                )
            )

        assert racers.race(edit, add) == []
        stored, recomputed = stored_and_recomputed(claim)
        assert stored == recomputed
