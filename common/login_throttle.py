"""Two login throttles over django-axes, and the client address they count.

Axes compares every lockout parameter set against one failure limit. Kaoping needs two: a low one
for one username from one address (guessing one account's password) and a higher one for one
address over all usernames (one password sprayed over many accounts), so that a shared office
address is not locked by a few typos. The handler scales each set's count to the pair limit, so
axes' own "count >= limit" test holds exactly when some set reached its own limit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

# The order of AXES_LOCKOUT_PARAMETERS in settings: the pair first, then the address alone.
PAIR, ADDRESS = 0, 1


def client_ip(request: HttpRequest) -> str | None:
    """The address a login is counted under (AXES_CLIENT_IP_CALLABLE).

    Without a declared proxy only the socket address counts, so a forged X-Forwarded-For changes
    nothing. Behind N proxies, each appends the address it saw (nginx's
    $proxy_add_x_forwarded_for); the N-th entry from the right is the one our outermost proxy
    wrote, the client's real address, and anything a client put to its left is ignored.
    """
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    remote = request.META.get("REMOTE_ADDR")
    if proxies <= 0:
        return remote
    for header in settings.AXES_IPWARE_META_PRECEDENCE_ORDER:
        if header == "REMOTE_ADDR":
            break
        hops = [hop.strip() for hop in request.META.get(header, "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return remote


def address_failure_limit() -> int:
    return settings.KAOPING_ADDRESS_FAILURE_LIMIT


class ThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate limit for the address-wide parameter set."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        pair_limit = settings.AXES_FAILURE_LIMIT
        # floor(count × pair / own) reaches pair exactly when count reaches own.
        # AXES_ADDRESS_FAILURE_LIMIT=0 turns the address throttle off.
        address_limit = address_failure_limit()
        scaled = [counts[PAIR]]
        if address_limit > 0:
            scaled += [count * pair_limit // address_limit for count in counts[1:]]
        address_only = address_limit > 0 and len(counts) > 1 and counts[ADDRESS] >= address_limit
        # The lockout page reads this to say which throttle applies.
        request.kaoping_throttle = (  # type: ignore[attr-defined]  # read back with getattr by lockout_response
            "address" if address_only and counts[PAIR] < pair_limit else "account"
        )
        return max(scaled)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # A success clears only its own username at its address: clearing the whole address would
        # let a sprayer who owns one account reset the address count by logging in now and then.
        pair_attempts = self.filter_user_attempts(request, credentials)[PAIR]
        count, _ = pair_attempts.delete()
        return count


def _lock_ends(attempts: QuerySet[AccessAttempt], limit: int, cool_off: timedelta) -> datetime | None:
    """When the recent failures in `attempts` drop below `limit`, or None if they already are."""
    return _ends(attempts.order_by("-attempt_time").values_list("attempt_time", "failures_since_start"),
                 limit, cool_off)


def _ends(newest_first: Iterable[tuple[datetime, int]], limit: int, cool_off: timedelta) -> datetime | None:
    total = 0
    for attempt_time, failures in newest_first:
        total += failures
        if total >= limit:
            return attempt_time + cool_off
    return None


def minutes_until_unlocked(request: HttpRequest, credentials: dict | None = None) -> int | None:
    """Whole minutes (rounded up) until this request's username and address may log in again."""
    cool_off = get_cool_off(request)
    if not cool_off:
        return None
    since = timezone.now() - cool_off
    username = get_client_username(request, credentials)
    address = request.axes_ip_address  # type: ignore[attr-defined]  # axes' proxy handler sets it
    recent = AccessAttempt.objects.filter(attempt_time__gte=since, ip_address=address)
    ends = [
        end
        for end in (
            _lock_ends(recent.filter(username=username), settings.AXES_FAILURE_LIMIT, cool_off),
            _lock_ends(recent, address_failure_limit(), cool_off) if address_failure_limit() > 0 else None,
        )
        if end is not None
    ]
    if not ends:
        return math.ceil(cool_off.total_seconds() / 60)
    return max(1, math.ceil((max(ends) - timezone.now()).total_seconds() / 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The lockout page (AXES_LOCKOUT_CALLABLE): which throttle applies and when to retry."""
    by_address = getattr(request, "kaoping_throttle", "account") == "address"
    context = {
        "by_address": by_address,
        "failure_limit": address_failure_limit() if by_address else settings.AXES_FAILURE_LIMIT,
        "minutes": minutes_until_unlocked(request, credentials),
    }
    return render(request, "registration/locked_out.html", context, status=axes_settings.AXES_HTTP_RESPONSE_CODE)  # axes.conf gives it its default


@dataclass(frozen=True)
class AccountLock:
    ip_address: str
    failures: int
    ends_at: datetime


def account_locks(username: str) -> list[AccountLock]:
    """The addresses from which `username` is locked now, for the people pages."""
    cool_off = get_cool_off()
    if not cool_off:
        return []
    now = timezone.now()
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - cool_off)
    locks: list[AccountLock] = []
    for ip_address in recent.values_list("ip_address", flat=True).distinct().order_by("ip_address"):
        here = recent.filter(ip_address=ip_address)
        ends = _lock_ends(here, settings.AXES_FAILURE_LIMIT, cool_off)
        if ends is not None and ends > now:
            failures = here.aggregate(total=Sum("failures_since_start"))["total"] or 0
            locks.append(AccountLock(ip_address=ip_address or "", failures=failures, ends_at=ends))
    return locks


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of `usernames` are locked from some address now, in one query for a list page."""
    cool_off = get_cool_off()
    if not cool_off or not usernames:
        return set()
    pairs = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=timezone.now() - cool_off)
        .values("username", "ip_address")
        .annotate(total=Sum("failures_since_start"))
        .filter(total__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {pair["username"] for pair in pairs}


@dataclass(frozen=True)
class AddressLock:
    ip_address: str
    failures: int
    usernames: int
    ends_at: datetime


def address_locks(*, limit: int = 100) -> list[AddressLock]:
    """The addresses locked now for all usernames by the address-wide throttle, newest first."""
    cool_off = get_cool_off()
    threshold = address_failure_limit()
    if not cool_off or threshold <= 0:
        return []
    now = timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    over = (
        recent.values("ip_address")
        .annotate(total=Sum("failures_since_start"), usernames=Count("username", distinct=True),
                  last=Max("attempt_time"))
        .filter(total__gte=threshold)
        .order_by("-last")[:limit]
    )
    over = list(over)
    history: dict[str | None, list[tuple[datetime, int]]] = defaultdict(list)
    # One query for the attempts of every locked address, not one per address.
    for address, at, failures in (
        recent.filter(ip_address__in=[row["ip_address"] for row in over])
        .order_by("ip_address", "-attempt_time").values_list("ip_address", "attempt_time", "failures_since_start")
    ):
        history[address].append((at, failures))
    locks = []
    for row in over:
        ends = _ends(history[row["ip_address"]], threshold, cool_off)
        if ends is not None and ends > now:
            locks.append(AddressLock(row["ip_address"] or "", row["total"], row["usernames"], ends))
    return locks
