"""The board while matching runs in the background: it shows the run, polls it, reloads once it is
done, refuses a second run, and never shows another organisation's run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from compatriot.assistance import matching
from compatriot.assistance.models import MatchingRun
from compatriot.core.models import Organisation, Role
from compatriot.core.selectors import viewer_for_membership

BOARD = "/workspace/assistance/"


@pytest.fixture
def coordinator_a(make_client, org_a):
    return make_client(org_a, Role.COORDINATOR)


def _queued(client: Any, organisation: Organisation, crisis: Any) -> MatchingRun:
    """A run started but not yet picked up by a worker (as with a broker)."""
    viewer = viewer_for_membership(user_id=client.user.id, organisation_id=organisation.id)
    return matching.start_matching(viewer, crisis_id=crisis.id, time_limit=5)


def test_the_board_follows_a_running_run_and_reloads_when_it_is_done(
    web_client: Callable[..., Client], org_a: Organisation, crisis: Any, coordinator_a: Any
) -> None:
    browser = web_client(org_a, Role.COORDINATOR)
    run = _queued(coordinator_a, org_a, crisis)
    board = browser.get(BOARD).content.decode()
    status_url = f"{BOARD}runs/{run.id}/"
    assert "Matching is running" in board
    assert f'hx-get="{status_url}"' in board
    # Pressing the button again does not start a second run.
    pressed = browser.post(f"{BOARD}run/", follow=True)
    assert "Matching is already running for this crisis." in pressed.content.decode()
    assert MatchingRun.objects.count() == 1
    polled = browser.get(status_url, HTTP_HX_REQUEST="true")
    assert (polled.status_code, "HX-Refresh" in polled) == (200, False)
    assert "Matching is running" in polled.content.decode()
    matching.perform_matching(run_id=run.id)
    finished = browser.get(status_url, HTTP_HX_REQUEST="true")
    assert (finished.status_code, finished["HX-Refresh"]) == (204, "true")
    board = browser.get(BOARD).content.decode()
    assert "Matching is running" not in board
    assert "Last matching run" in board


def test_another_organisation_cannot_follow_a_run(
    web_client: Callable[..., Client],
    org_a: Organisation,
    org_b: Organisation,
    crisis: Any,
    coordinator_a: Any,
) -> None:
    run = _queued(coordinator_a, org_a, crisis)
    other = web_client(org_b, Role.COORDINATOR)
    assert other.get(f"{BOARD}runs/{run.id}/").status_code == 404
