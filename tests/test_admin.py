import pytest
from django.urls import reverse

MODELS = ["source", "category", "code", "misconception", "checklist", "checklistitem", "figure"]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_add_pages_render(admin_client, populated, model):
    assert admin_client.get(reverse(f"admin:codes_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:codes_{model}_changelist"), {"q": "97110"}).status_code == 200
    assert admin_client.get(reverse(f"admin:codes_{model}_add")).status_code == 200


@pytest.mark.parametrize("model", ["source", "category", "code", "misconception", "checklist", "checklistitem"])
def test_change_pages_render(admin_client, populated, model):
    from django.apps import apps

    obj = apps.get_model("codes", model).objects.first()
    response = admin_client.get(reverse(f"admin:codes_{model}_change", args=[obj.pk]))
    assert response.status_code == 200


def test_code_change_page_links_to_site_and_shows_inlines(admin_client, populated):
    code = populated["97110"]
    html = admin_client.get(reverse("admin:codes_code_change", args=[code.pk])).content.decode()
    assert "View on site" in html
    assert "misconceptions about this code" in html.lower()
    assert "checklists for this code" in html.lower()


def test_autocomplete_for_codes_works(admin_client, populated):
    url = reverse("admin:autocomplete")
    params = {"term": "9711", "app_label": "codes", "model_name": "misconception", "field_name": "codes"}
    response = admin_client.get(url, params)
    assert response.status_code == 200
    assert any(r["text"].startswith("97110") for r in response.json()["results"])


def test_curator_can_edit_a_misconception_in_admin(admin_client, populated):
    myth = populated["97110"].misconceptions.get()
    url = reverse("admin:codes_misconception_change", args=[myth.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None}
    data["correction"] = "Corrected in admin."
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    myth.refresh_from_db()
    assert myth.correction == "Corrected in admin."
