import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from codes.models import Code, CodeConfusion, validate_code_format


@pytest.mark.parametrize("value", ["97110", "G0283", "0552T", "A1234", "V9999"])
def test_valid_code_formats(value):
    validate_code_format(value)


@pytest.mark.parametrize("value", ["9711", "971100", "W1234", "Z9999", "97-11", "g0283 ", "", "ABCDE", "97ABC"])
def test_invalid_code_formats(value):
    with pytest.raises(ValidationError):
        validate_code_format(value)


def test_code_is_stored_upper_case_and_found_in_any_case(make_code):
    make_code("g0283", billing_unit="untimed", attendance="supervised")
    assert Code.objects.get(code="G0283").code == "G0283"
    assert Code.objects.filter(code="g0283").exists()


def test_code_numbers_are_unique(make_code):
    make_code("97110")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_code("97110")


def test_database_rejects_a_malformed_code(make_category):
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(
            code="ZZZZZ",
            title="x",
            summary="x",
            category=make_category(),
            billing_unit="timed",
            attendance="one_on_one",
        )


def test_database_rejects_an_unknown_billing_unit(make_code):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_code("97110", billing_unit="hourly")


def test_deleted_code_needs_a_deletion_date(make_code):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_code("97001", status="deleted")


def test_clean_explains_status_and_dates(make_code):
    code = make_code("97001")
    code.status = "deleted"
    with pytest.raises(ValidationError, match="deleted code needs the date"):
        code.full_clean()
    code.deleted_on = datetime.date(2016, 12, 31)
    code.effective_on = datetime.date(2017, 1, 1)
    with pytest.raises(ValidationError, match="must come after the effective date"):
        code.full_clean()


def test_typical_minutes_must_be_positive(make_code):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_code("97162", typical_minutes=0)


def test_a_code_cannot_be_confused_with_itself(make_code):
    code = make_code("97110")
    with pytest.raises(IntegrityError), transaction.atomic():
        CodeConfusion.objects.create(from_code=code, to_code=code, how_to_tell="x")


def test_str_and_urls(populated):
    code = populated["97110"]
    assert str(code) == "97110 Therapeutic exercise"
    assert code.get_absolute_url() == "/codes/97110/"
    assert code.lay_term_list == ["ther ex", "TE", "exercise"]
    myth = code.misconceptions.get()
    assert myth.get_absolute_url() == f"/misconceptions/#m-{myth.slug}"
    assert str(myth) == myth.myth
