"""The subscription state tables of RFC 6121 Appendix A (outbound A.2, inbound A.3)."""

from __future__ import annotations

import pytest

from roost.core.directory.subscriptions import inbound, outbound
from roost.model.directory import Subscription, SubscriptionKind, SubscriptionState

S, K = Subscription, SubscriptionKind


def state(subscription: Subscription = S.NONE, *, ask: bool = False, pending_in: bool = False) -> SubscriptionState:
    return SubscriptionState(subscription, ask, pending_in)


@pytest.mark.parametrize(
    ("before", "kind", "after", "routed"),
    [
        (state(), K.SUBSCRIBE, state(ask=True), True),
        (state(S.FROM), K.SUBSCRIBE, state(S.FROM, ask=True), True),
        (state(S.TO), K.SUBSCRIBE, state(S.TO), True),
        (state(S.TO), K.UNSUBSCRIBE, state(), True),
        (state(S.BOTH), K.UNSUBSCRIBE, state(S.FROM), True),
        (state(ask=True), K.UNSUBSCRIBE, state(), True),
        (state(pending_in=True), K.SUBSCRIBED, state(S.FROM), True),
        (state(S.TO, pending_in=True), K.SUBSCRIBED, state(S.BOTH), True),
        (state(), K.SUBSCRIBED, state(), False),
        (state(S.FROM), K.UNSUBSCRIBED, state(), True),
        (state(S.BOTH), K.UNSUBSCRIBED, state(S.TO), True),
        (state(pending_in=True), K.UNSUBSCRIBED, state(), True),
        (state(S.TO), K.UNSUBSCRIBED, state(S.TO), False),
    ],
)
def test_outbound(before: SubscriptionState, kind: SubscriptionKind, after: SubscriptionState, routed: bool) -> None:
    outcome = outbound(before, kind)
    assert (outcome.state, outcome.passed_on) == (after, routed)


@pytest.mark.parametrize(
    ("before", "kind", "after", "delivered", "approved"),
    [
        (state(), K.SUBSCRIBE, state(pending_in=True), True, False),
        (state(pending_in=True), K.SUBSCRIBE, state(pending_in=True), False, False),
        (state(S.FROM), K.SUBSCRIBE, state(S.FROM), False, True),
        (state(S.BOTH), K.SUBSCRIBE, state(S.BOTH), False, True),
        (state(S.FROM), K.UNSUBSCRIBE, state(), True, False),
        (state(S.BOTH), K.UNSUBSCRIBE, state(S.TO), True, False),
        (state(pending_in=True), K.UNSUBSCRIBE, state(), True, False),
        (state(), K.UNSUBSCRIBE, state(), False, False),
        (state(ask=True), K.SUBSCRIBED, state(S.TO), True, False),
        (state(S.FROM, ask=True), K.SUBSCRIBED, state(S.BOTH), True, False),
        (state(), K.SUBSCRIBED, state(), False, False),
        (state(S.TO), K.UNSUBSCRIBED, state(), True, False),
        (state(S.BOTH), K.UNSUBSCRIBED, state(S.FROM), True, False),
        (state(ask=True), K.UNSUBSCRIBED, state(), True, False),
        (state(S.FROM), K.UNSUBSCRIBED, state(S.FROM), False, False),
    ],
)
def test_inbound(
    before: SubscriptionState, kind: SubscriptionKind, after: SubscriptionState, delivered: bool, approved: bool
) -> None:
    outcome = inbound(before, kind)
    assert (outcome.state, outcome.passed_on, outcome.auto_approved) == (after, delivered, approved)
