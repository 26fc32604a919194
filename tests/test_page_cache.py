import pytest
from django.core.cache import cache
from django.test import override_settings

from codes.models import Code


@pytest.fixture(autouse=True)
def page_cache():
    cache.clear()
    with override_settings(CPTREF_PAGE_CACHE_SECONDS=60):
        yield
    cache.clear()


def test_repeat_anonymous_view_is_served_from_cache(client, populated, django_assert_num_queries):
    first = client.get("/codes/97110/")
    with django_assert_num_queries(1):  # only the content generation lookup
        second = client.get("/codes/97110/")
    assert second.content == first.content and second.status_code == 200


def test_any_content_change_invalidates_cached_pages(client, populated):
    assert "Therapeutic exercise" in client.get("/codes/97110/").content.decode()
    code = Code.objects.get(code="97110")
    code.title = "Therapeutic exercise, renamed"
    code.save()
    assert "Therapeutic exercise, renamed" in client.get("/codes/97110/").content.decode()
    code.misconceptions.clear()  # a many-to-many change counts too
    assert "97162 is supervised therapeutic exercise" not in client.get("/codes/97110/").content.decode()


def test_staff_pages_and_errors_are_not_cached(admin_client, client, populated, django_assert_max_num_queries):
    admin_client.get("/codes/97110/")
    response = admin_client.get("/codes/97110/")
    assert response.status_code == 200
    client.get("/codes/99999/")
    Code.objects.create(
        code="99999",
        title="New",
        summary="s",
        category=populated["97110"].category,
        billing_unit="timed",
        attendance="one_on_one",
        evidence="primary",
        is_published=True,
    )
    assert client.get("/codes/99999/").status_code == 200


def test_query_strings_are_part_of_the_key(client, populated):
    assert "97112" in client.get("/codes/", {"q": "NMR"}).content.decode()
    assert "97112" not in client.get("/codes/", {"q": "eval"}).content.decode()
