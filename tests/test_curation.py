"""The curation workflow: drafts, publishing rights, history and revert, no lost edits, roles."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from codes.models import Code, Misconception, StaleEditError


@pytest.fixture
def roles(db):
    call_command("setup_roles", stdout=None)


def staff_user(name, group=None):
    user = User.objects.create_user(name, password="pw-" + name, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator(roles, client):
    return staff_user("carol", "Curator")


@pytest.fixture
def reviewer(roles):
    return staff_user("rita", "Reviewer")


def form_data(client, url):
    """The change form's current values, as the browser would post them back."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    key = f"{inline_form.prefix}-{name}"
                    data[key] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    return data


def test_drafts_are_hidden_from_billers_and_marked_for_staff(client, admin_client, make_code):
    make_code("97110", title="Draft ther ex", is_published=False)
    assert client.get("/codes/97110/").status_code == 404
    assert 'href="/codes/97110/"' not in client.get("/codes/", {"q": "draft"}).content.decode()
    response = admin_client.get("/codes/97110/")
    assert response.status_code == 200
    assert "Draft: not visible to billers" in response.content.decode()


def test_a_curators_save_is_a_draft_until_a_reviewer_publishes(client, curator, reviewer, make_code):
    code = make_code("97110", title="Therapeutic exercise", is_published=True)
    url = reverse("admin:codes_code_change", args=[code.pk])
    client.force_login(curator)
    data = form_data(client, url)
    assert "is_published" not in data  # read-only for curators
    data["title"] = "Therapeutic exercise (clarified)"
    response = client.post(url, data, follow=True)
    assert "Saved as a draft" in response.content.decode()
    code.refresh_from_db()
    assert code.title == "Therapeutic exercise (clarified)" and not code.is_published

    client.force_login(reviewer)
    changelist = reverse("admin:codes_code_changelist")
    client.post(changelist, {"action": "publish", "_selected_action": [code.pk]})
    client.post(changelist, {"action": "mark_reviewed", "_selected_action": [code.pk]})
    code.refresh_from_db()
    assert code.is_published and code.reviewed_by == reviewer and code.reviewed_on


def test_curators_cannot_publish_by_action(client, curator, make_code):
    code = make_code("97110", is_published=False)
    client.force_login(curator)
    changelist = reverse("admin:codes_code_changelist")
    action_form = client.get(changelist).context["action_form"]
    actions = {name for name, _ in action_form.fields["action"].choices} if action_form else set()
    assert "publish" not in actions
    client.post(changelist, {"action": "publish", "_selected_action": [code.pk]})
    code.refresh_from_db()
    assert not code.is_published


def test_history_records_who_changed_what_and_revert_restores_it(client, reviewer, make_misconception):
    myth = make_misconception(correction="Original correction.")
    url = reverse("admin:codes_misconception_change", args=[myth.pk])
    client.force_login(reviewer)
    data = form_data(client, url)
    data["correction"] = "Edited correction."
    assert client.post(url, data).status_code == 302
    latest = myth.history.latest()
    assert latest.history_user == reviewer and latest.correction == "Edited correction."

    history_page = client.get(reverse("admin:codes_misconception_history", args=[myth.pk])).content.decode()
    assert "Original correction." in history_page and "Edited correction." in history_page  # the field diff

    original = myth.history.earliest()
    revert_url = reverse("admin:codes_misconception_simple_history", args=[myth.pk, original.history_id])
    data = form_data(client, revert_url)
    assert data["correction"] == "Original correction."
    assert client.post(revert_url, data).status_code == 302
    myth.refresh_from_db()
    assert myth.correction == "Original correction."
    assert myth.history.count() == 3


def test_second_of_two_concurrent_edits_is_refused_and_keeps_its_input(client, reviewer, make_code):
    code = make_code("97110", title="Therapeutic exercise")
    url = reverse("admin:codes_code_change", args=[code.pk])
    client.force_login(reviewer)
    first, second = form_data(client, url), form_data(client, url)  # two curators open the same record
    first["title"] = "First curator's title"
    assert client.post(url, first).status_code == 302
    second["summary"] = "Second curator's careful summary."
    response = client.post(url, second)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this record after you opened it" in html
    assert "Second curator&#x27;s careful summary." in html  # their input is still in the form
    code.refresh_from_db()
    assert code.title == "First curator's title" and code.summary != "Second curator's careful summary."


def test_stale_save_outside_admin_is_refused(make_code):
    code = make_code("97110")
    copy_a, copy_b = Code.objects.get(pk=code.pk), Code.objects.get(pk=code.pk)
    copy_a.title = "A"
    copy_a.save()
    copy_b.title = "B"
    with pytest.raises(StaleEditError):
        copy_b.save()
    assert Code.objects.get(pk=code.pk).title == "A"


def test_setup_roles_is_idempotent(db, capsys):
    call_command("setup_roles")
    first = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    call_command("setup_roles")
    out = capsys.readouterr().out
    assert "Curator: unchanged" in out and "Reviewer: unchanged" in out
    assert {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()} == first
    assert "publish_code" in first["Reviewer"] and "publish_code" not in first["Curator"]
    assert Group.objects.count() == 2


def test_review_filter_lists_never_reviewed_records(admin_client, make_misconception):
    make_misconception(myth="Never looked at")
    response = admin_client.get(reverse("admin:codes_misconception_changelist"), {"review": "never"})
    assert "Never looked at" in response.content.decode()
    response = admin_client.get(reverse("admin:codes_misconception_changelist"), {"review": "recent"})
    assert "Never looked at" not in response.content.decode()


def test_loader_changes_are_in_history(db):
    call_command("load_reference", verbosity=0)
    record = Misconception.objects.first().history.latest()
    assert record.history_change_reason == "load_reference"


@override_settings(CPTREF_LOGIN_REQUIRED=True)
def test_login_required_setting_protects_public_pages(client, populated):
    response = client.get("/codes/97110/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get("/healthz").status_code == 200
    user = User.objects.create_user("biller", password="pw")
    client.force_login(user)
    assert client.get("/codes/97110/").status_code == 200
