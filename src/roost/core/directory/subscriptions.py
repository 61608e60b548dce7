"""The subscription state machine of RFC 6121 (§3 and the tables of Appendix A), without storage.

A state is one side of a pair of people: the owner's roster item for the contact
(subscription and "pending out") plus an unanswered request of the contact ("pending in").
`outbound` is what the sender's own state becomes when they send a request or answer;
`inbound` is what the receiver's state becomes, and whether the receiver's clients are told.
Pre-approval (RFC 6121 §3.4) is not offered: an approval without a request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from roost.model.directory import Subscription, SubscriptionKind, SubscriptionState

S = Subscription
K = SubscriptionKind


@dataclass(frozen=True, slots=True)
class Outcome:
    """A state after a request or answer, and what happens to the stanza."""

    state: SubscriptionState
    passed_on: bool  # outbound: routed to the contact; inbound: delivered to the owner's clients
    auto_approved: bool = False  # inbound subscribe from someone already allowed: answered `subscribed`


def outbound(state: SubscriptionState, kind: SubscriptionKind) -> Outcome:
    """The sender's state after sending `kind` to the contact (Appendix A.2)."""
    if kind is K.SUBSCRIBE:
        ask = state.ask or not state.sees
        return Outcome(replace(state, ask=ask), passed_on=True)
    if kind is K.UNSUBSCRIBE:
        after = {S.TO: S.NONE, S.BOTH: S.FROM}.get(state.subscription, state.subscription)
        return Outcome(replace(state, subscription=after, ask=False), passed_on=True)
    if kind is K.SUBSCRIBED:
        if not state.pending_in:
            return Outcome(state, passed_on=False)  # no request to approve, and no pre-approval
        after = {S.NONE: S.FROM, S.TO: S.BOTH}.get(state.subscription, state.subscription)
        return Outcome(replace(state, subscription=after, pending_in=False), passed_on=True)
    after = {S.FROM: S.NONE, S.BOTH: S.TO}.get(state.subscription, state.subscription)
    changed = replace(state, subscription=after, pending_in=False)
    return Outcome(changed, passed_on=changed != state)


def inbound(state: SubscriptionState, kind: SubscriptionKind) -> Outcome:
    """The receiver's state after `kind` arrives from the contact (Appendix A.3)."""
    if kind is K.SUBSCRIBE:
        return _inbound_subscribe(state)
    if kind is K.UNSUBSCRIBE:
        after = {S.FROM: S.NONE, S.BOTH: S.TO}.get(state.subscription, state.subscription)
        changed = replace(state, subscription=after, pending_in=False)
        return Outcome(changed, passed_on=changed != state)
    if kind is K.SUBSCRIBED:
        if not state.ask:
            return Outcome(state, passed_on=False)  # nothing was asked
        after = {S.NONE: S.TO, S.FROM: S.BOTH}.get(state.subscription, state.subscription)
        return Outcome(replace(state, subscription=after, ask=False), passed_on=True)
    after = {S.TO: S.NONE, S.BOTH: S.FROM}.get(state.subscription, state.subscription)
    changed = replace(state, subscription=after, ask=False)
    return Outcome(changed, passed_on=changed != state)


def _inbound_subscribe(state: SubscriptionState) -> Outcome:
    if state.shows:
        return Outcome(state, passed_on=False, auto_approved=True)
    if state.pending_in:
        return Outcome(state, passed_on=False)  # asked already; the request is waiting
    return Outcome(replace(state, pending_in=True), passed_on=True)
