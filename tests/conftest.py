"""Shared fixtures: small factory functions that build only what a test needs."""

import itertools

import pytest
from django.core.management import call_command

from codes.models import (
    Category,
    Checklist,
    ChecklistItem,
    Code,
    CodeConfusion,
    Evidence,
    Misconception,
    Source,
)

_counter = itertools.count(1)


@pytest.fixture
def make_source(db):
    def make(**extra):
        n = next(_counter)
        extra.setdefault("key", f"source-{n}")
        extra.setdefault("title", f"Source {n}")
        extra.setdefault("publisher", "CMS")
        extra.setdefault("kind", "cms")
        return Source.objects.create(**extra)

    return make


@pytest.fixture
def make_category(db):
    def make(slug="therapeutic-procedures", **extra):
        extra.setdefault("name", slug.replace("-", " ").capitalize())
        return Category.objects.get_or_create(slug=slug, defaults=extra)[0]

    return make


@pytest.fixture
def make_code(db, make_category, make_source):
    def make(code="97110", **extra):
        extra.setdefault("title", f"Code {code}")
        extra.setdefault("is_published", True)
        extra.setdefault("summary", f"Plain-language summary of {code}.")
        extra.setdefault("billing_unit", "timed")
        extra.setdefault("attendance", "one_on_one")
        extra.setdefault("evidence", Evidence.PRIMARY)
        if "category" not in extra:
            extra["category"] = make_category()
        obj = Code.objects.create(code=code, **extra)
        obj.sources.add(make_source())
        return obj

    return make


@pytest.fixture
def make_misconception(db, make_source):
    def make(codes=(), **extra):
        n = next(_counter)
        extra.setdefault("slug", f"myth-{n}")
        extra.setdefault("myth", f"Myth number {n}")
        extra.setdefault("is_published", True)
        extra.setdefault("correction", "What is actually true.")
        extra.setdefault("why_it_matters", "Denials.")
        extra.setdefault("consequence", "denial")
        extra.setdefault("impact", 3)
        extra.setdefault("evidence", Evidence.PRIMARY)
        obj = Misconception.objects.create(**extra)
        obj.codes.set(codes)
        obj.sources.add(make_source())
        return obj

    return make


@pytest.fixture
def make_checklist(db, make_source):
    def make(codes=(), items=2, **extra):
        n = next(_counter)
        extra.setdefault("slug", f"checklist-{n}")
        extra.setdefault("title", f"Checklist {n}")
        extra.setdefault("is_published", True)
        obj = Checklist.objects.create(**extra)
        obj.codes.set(codes)
        for i in range(items):
            item = ChecklistItem.objects.create(
                checklist=obj,
                key=f"item-{i}",
                order=i,
                text=f"Document thing {i}",
                why="Auditors ask.",
                evidence="primary",
            )
            item.sources.add(make_source())
        return obj

    return make


@pytest.fixture
def make_confusion(db):
    def make(a, b, note="How to tell them apart."):
        CodeConfusion.objects.create(from_code=a, to_code=b, how_to_tell=note)
        CodeConfusion.objects.create(from_code=b, to_code=a, how_to_tell=note)

    return make


@pytest.fixture
def populated(make_code, make_misconception, make_checklist, make_confusion, make_category):
    """A handful of codes shaped like the real reference data."""
    evals = make_category("evaluations", name="Evaluations")
    ther_ex = make_code("97110", title="Therapeutic exercise", lay_terms="ther ex, TE, exercise")
    nmr = make_code("97112", title="Neuromuscular re-education", lay_terms="NMR, neuro re-ed")
    eval_mod = make_code(
        "97162",
        title="PT evaluation, moderate complexity",
        billing_unit="untimed",
        attendance="clinician",
        category=evals,
        typical_minutes=30,
        lay_terms="eval, PT eval",
    )
    old_eval = make_code(
        "97001",
        title="PT evaluation (deleted)",
        billing_unit="untimed",
        attendance="clinician",
        category=evals,
        status="deleted",
        deleted_on="2016-12-31",
    )
    old_eval.replaced_by.add(eval_mod)
    make_confusion(ther_ex, eval_mod)
    make_misconception([eval_mod, ther_ex], myth="97162 is supervised therapeutic exercise", slug="eval-not-ther-ex")
    make_checklist([ther_ex, nmr, eval_mod], title="Every Medicare therapy note", slug="every-note")
    return {"97110": ther_ex, "97112": nmr, "97162": eval_mod, "97001": old_eval}


@pytest.fixture(scope="module")
def curated_data(django_db_setup, django_db_blocker):
    """The curated reference data, loaded once for a module whose tests only read it; emptied afterwards (history,
    through tables and all) so later tests start from an empty database."""
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0)
        yield
        call_command("flush", interactive=False, verbosity=0)
