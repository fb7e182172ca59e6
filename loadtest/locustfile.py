"""The people of `make load`: evaluators and reporters saving score sheets, a few through Excel;
analysts reading reports; and, for the floor they are measured against, people opening a page
that reads nothing.

Person (evaluators, reporters): logs in through the login form, opens one of its sheets, changes
one to three items and saves the form exactly as the browser would send it. On a conflict (409)
it sometimes clicks save again on the page as shown, as people do, and otherwise reloads later.
Every save attempt and what it was told go to the client log (loadtest.clientlog) for
loadtest.verify.
Analyst: logs in and opens the report pages of its scope that loadtest.seed listed for it.
Trivial: logs in as one of the above and opens /ping/, at the same pace.

loadtest.run names the classes of each phase on locust's command line; LOAD_PERSONS sets how many
of the mix are Persons (the rest are Analysts). Needs LOAD_MANIFEST (written by loadtest.seed) and
LOAD_LOG_DIR in the environment.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, task
from locust.exception import StopUser
from openpyxl import load_workbook

from indicators.points import format_points
from loadtest.clientlog import ClientLog
from loadtest.forms import Form, find_form

MANIFEST = json.loads(Path(os.environ["LOAD_MANIFEST"]).read_text())
LOG = ClientLog(Path(os.environ["LOAD_LOG_DIR"]))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPOST_SHARE = 0.5  # of conflicts answered by clicking save again on the conflict page
MAX_REPOSTS = 3
CHOICE = re.compile(r'name="(choice_(?:score|reason)_\d+)"')
_numbers = itertools.count()
# The phase is measured from the moment its last person has signed in: the sign-ins' own figures
# are written aside (LOAD_SIGNIN_FILE), then locust's statistics start again.
_sign_ins = itertools.count(1)
SIGN_IN = {"login page": "GET", "login": "POST"}
_analyst_numbers = itertools.count()
# The phase is measured from the moment its last person has signed in: the sign-ins' own figures
# are written aside (LOAD_SIGNIN_FILE), then locust's statistics start again.
_sign_ins = itertools.count(1)
SIGN_IN = {"login page": "GET", "login": "POST"}
_trivial_numbers = itertools.count()
# The phase is measured from the moment its last person has signed in: the sign-ins' own figures
# are written aside (LOAD_SIGNIN_FILE), then locust's statistics start again.
_sign_ins = itertools.count(1)
SIGN_IN = {"login page": "GET", "login": "POST"}


def canonical_score(raw: object) -> str:
    """As the audit trail writes scores (3, 2.5); what is not a number stays as typed."""
    text = "" if raw is None else str(raw).strip()
    try:
        return format_points(Decimal(text)) if text else ""
    except InvalidOperation:
        return text


def canonical_reason(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


class SignedIn(HttpUser):
    """Someone who signs in through the login form, then works at a person's pace."""

    abstract = True
    wait_time = between(0.2, 1.5)
    number = 0
    username = ""

    def sign_in(self) -> None:
        # The server redirects plain HTTP to HTTPS, as deployed: the clients say what nginx in front
        # of it would, and, as a browser on the https:// page does, name that page's origin, which
        # Django's CSRF check asks of every POST over HTTPS.
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.client.headers["Origin"] = "https://" + urlsplit(cast(str, self.host)).netloc  # run.py passes --host
        try:
            self.login()
        finally:
            if next(_sign_ins) == int(os.environ.get("LOAD_USERS", "0")):
                self.start_measuring()

    def start_measuring(self) -> None:
        stats = self.environment.stats
        signed_in = {}
        for name, method in SIGN_IN.items():
            entry = stats.entries.get((name, method))
            if entry is not None and entry.num_requests:
                signed_in[name] = {"count": entry.num_requests, "failures": entry.num_failures,
                                   **{f"p{n}": entry.get_response_time_percentile(n / 100) for n in (50, 95, 99)}}
        signed_in["seconds"] = time.time() - stats.total.start_time
        Path(os.environ["LOAD_SIGNIN_FILE"]).write_text(json.dumps(signed_in))
        stats.reset_all()
        # What --run-time does when it runs out, counted from now (run.py's --run-time is a bound).
        runner = self.environment.runner
        if runner is not None:
            gevent.spawn_later(float(os.environ.get("LOAD_MEASURE_SECONDS", "60")), runner.quit)

    # --- helpers -------------------------------------------------------------------------

    @contextmanager
    def call(self, method: str, url: str, name: str, **options: Any) -> Iterator[Any]:
        with self.client.request(method, url, name=name, catch_response=True, allow_redirects=False,
                                 **options) as response:
            # With DEBUG off the session and CSRF cookies are Secure. Browsers send them to
            # http://127.0.0.1 all the same (loopback is a secure context); requests does not
            # unless the flag is dropped on the client's side. The server is left as deployed.
            for cookie in self.client.cookies:
                cookie.secure = False
            yield response

    def fetch(self, url: str, name: str) -> Any:
        with self.call("GET", url, name) as response:
            if response.status_code == 200:
                return response
            response.failure(f"status {response.status_code}")
        LOG.write(type="error", client=self.number, request=name, status=response.status_code)
        return None

    def login(self) -> None:
        url = MANIFEST["urls"]["login"]
        page = self.fetch(url, "login page")
        form = find_form(page.text, having="username") if page is not None else None
        if form is None:
            raise StopUser()
        data = form.replaced({"username": self.username, "password": MANIFEST["password"]})
        with self.call("POST", url, "login", data=data) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")
                LOG.write(type="error", client=self.number, request="login", status=response.status_code)
                raise StopUser()


class Person(SignedIn):
    """An evaluator or reporter saving score sheets; how many of the mix: LOAD_PERSONS."""

    fixed_count = int(os.environ.get("LOAD_PERSONS", "0"))

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.identity = MANIFEST["clients"][self.number % len(MANIFEST["clients"])]
        self.username = self.identity["username"]
        self.chooser = random.Random(f"{MANIFEST['run']}-{self.number}")
        self.tokens = itertools.count(1)
        self.sign_in()

    @task
    def work(self) -> None:
        if self.identity["kind"] == "excel":
            self.excel_round_trip()
        else:
            self.edit_sheet()

    def token(self) -> str:
        return f"压测{MANIFEST['run']}-{self.number}-{next(self.tokens)} 扣分"

    def new_score(self, cap: Decimal, base: str) -> str:
        choices = [format_points(Decimal(n) / 2) for n in range(int(cap * 2) + 1)]
        return self.chooser.choice([choice for choice in choices if choice != base] or choices)

    def record(self, *, via: str, sheet: int | None, changes: list[dict[str, Any]], post: Any, **extra: Any) -> str:
        """Log the attempt before sending it, so that a save cut off mid-request is still known."""
        attempt = uuid.uuid4().hex
        LOG.write(type="attempt", id=attempt, via=via, client=self.number, actor=self.username, sheet=sheet,
                  changes=changes, t0=time.time(), **extra)
        outcome, status = post()
        LOG.write(type="result", id=attempt, outcome=outcome, status=status, t1=time.time())
        return outcome

    # --- the score page --------------------------------------------------------------------

    def edit_sheet(self) -> None:
        sheet = self.chooser.choice(self.identity["sheets"])
        page = self.fetch(sheet["url"], "sheet")
        form = find_form(page.text, form_id="sheet-form") if page is not None else None
        if form is None or not form.caps:
            LOG.write(type="error", client=self.number, request="sheet", status=0, note="no editable form")
            return
        typed, changes = {}, []
        for item in self.chooser.sample(sorted(form.caps), self.chooser.randint(1, min(3, len(form.caps)))):
            base_score = canonical_score(form.get(f"score_{item}"))
            score = self.new_score(form.caps[item], base_score)
            reason = self.token()
            typed[f"score_{item}"], typed[f"reason_{item}"] = score, reason
            changes += [
                {"item": item, "field": "score", "value": score, "base": base_score},
                {"item": item, "field": "reason", "value": reason, "base": canonical_reason(form.get(f"reason_{item}"))},
            ]
        time.sleep(self.chooser.uniform(0.2, 1.5))  # reading and typing: others may save meanwhile
        self.save(sheet, form.replaced(typed), changes, repost=0)

    def save(self, sheet: dict[str, Any], fields: list[tuple[str, str]], changes: list[dict[str, Any]],
             *, repost: int) -> None:
        answer: dict[str, Any] = {}

        def post() -> tuple[str, int]:
            name = "save" if repost == 0 else "save again after conflict"
            with self.call("POST", sheet["url"], name, data=[*fields, ("action", "save")]) as response:
                status = response.status_code
                answer["response"] = response
                # Saved: redirected back, as after every successful save (not to the login page).
                if status == 302 and MANIFEST["urls"]["login"] not in response.headers.get("Location", ""):
                    response.success()
                    return "saved", status
                if status == 409:
                    response.success()
                    return "conflict", status
                if status == 400 and "请选择保留哪个值" in response.text:
                    # The conflict page sent back undecided: refused, as it must be.
                    response.success()
                    return "undecided", status
                response.failure(f"status {status}")
                return ("invalid" if status == 400 else "error"), status

        outcome = self.record(via="form", sheet=sheet["id"], changes=changes, post=post, repost=repost)
        if outcome not in ("conflict", "undecided") or repost >= MAX_REPOSTS or self.chooser.random() >= REPOST_SHARE:
            return
        # A person reads the conflict note and clicks save again: some as the page stands (which
        # must overwrite nothing), some after choosing, field by field, their value or the other's.
        text = answer["response"].text
        form = find_form(text, form_id="sheet-form")
        if form is None:
            return
        groups = sorted(set(CHOICE.findall(text)))
        choices = {group: self.chooser.choice(["mine", "theirs"]) for group in groups} \
            if groups and self.chooser.random() < 0.6 else {}
        again = []
        for change in changes:
            name = f"{change['field']}_{change['item']}"
            if choices.get(f"choice_{name}") == "theirs":
                continue  # given up for the other person's value: no longer a change of theirs
            again.append({**change, "value": (canonical_score if change["field"] == "score" else canonical_reason)(
                form.get(name))})
        time.sleep(self.chooser.uniform(0.2, 1.0))
        self.save(sheet, [*form.fields, *choices.items()], again, repost=repost + 1)

    # --- the Excel round trip ----------------------------------------------------------------

    def excel_round_trip(self) -> None:
        urls = MANIFEST["urls"]
        download = self.fetch(urls["bulk_template"], "bulk template")
        if download is None:
            return
        workbook = load_workbook(io.BytesIO(download.content))
        # The first visible sheet holds the scores; any other sheet, hidden or not, goes back untouched.
        scores = next(sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible")
        columns = _item_columns([cell.value for cell in scores[1]])
        sheet_of = {sheet["code"]: sheet["id"] for sheet in self.identity["sheets"]}
        rows = [row for row in scores.iter_rows(min_row=2) if row[0].value in sheet_of]
        if not rows or not columns:
            LOG.write(type="error", client=self.number, request="bulk template", status=0, note="no rows")
            return
        changes: list[dict[str, Any]] = []
        for _ in range(self.chooser.randint(1, 3)):
            row = self.chooser.choice(rows)
            number, score_at, reason_at = self.chooser.choice(columns)
            item = MANIFEST["items"][number]
            base_score, base_reason = canonical_score(row[score_at].value), canonical_reason(row[reason_at].value)
            score, reason = self.new_score(Decimal(item["cap"]), base_score), self.token()
            # Typed into Excel, a score is a number.
            row[score_at].value = float(score) if "." in score else int(score)
            row[reason_at].value = reason
            where = {"sheet": sheet_of[row[0].value], "item": item["id"]}
            changes = [change for change in changes if {k: change[k] for k in where} != where] + [
                {**where, "field": "score", "value": score, "base": base_score},
                {**where, "field": "reason", "value": reason, "base": base_reason},
            ]
        upload = io.BytesIO()
        workbook.save(upload)
        time.sleep(self.chooser.uniform(0.5, 2.5))  # filling in Excel takes a while: others save meanwhile
        page = self.fetch(urls["bulk_upload"], "bulk upload page")
        form = find_form(page.text, having="file") if page is not None else None
        if form is None:
            return
        self.record(via="excel", sheet=None, changes=changes,
                    post=lambda: self.upload(urls["bulk_upload"], form, upload.getvalue()))

    def upload(self, url: str, form: Form, content: bytes) -> tuple[str, int]:
        files = {form.file_inputs[0]: ("我的评分.xlsx", content, XLSX)}
        with self.call("POST", url, "bulk upload", data=form.fields, files=files) as response:
            status = response.status_code
            if status == 302:
                response.success()
                return "saved", status
            if status == 400 and any(word in response.text for word in ("两边都改了", "冲突", "发生了变化")):
                response.success()
                return "conflict", status
            response.failure(f"status {status}")
            return ("invalid" if status == 400 else "error"), status


class Analyst(SignedIn):
    """An analyst of the propaganda department reading the last closed round's reports: the ranking
    most often (its first page three times as often as a deeper one), then the other pages."""

    PAGE_WEIGHTS = {"ranking page 1": 3, "ranking last page": 1, "ranking by category": 1, "rollup": 1,
                    "weak items": 1, "compare 3": 1, "compare 10": 1, "trend": 1}

    def on_start(self) -> None:
        self.number = next(_analyst_numbers)
        self.identity = MANIFEST["analysts"][self.number % len(MANIFEST["analysts"])]
        self.username = self.identity["username"]
        self.chooser = random.Random(f"{MANIFEST['run']}-analyst-{self.number}")
        self.sign_in()

    @task
    def read_report(self) -> None:
        pages = self.identity["pages"]
        [name] = self.chooser.choices(list(self.PAGE_WEIGHTS), weights=list(self.PAGE_WEIGHTS.values()))
        self.fetch(pages[name], name)


class Trivial(SignedIn):
    """The floor: the same number of people at the same pace, each opening a signed-in page that
    reads nothing (config.views.ping). They sign in as the mix's people do, Persons and Analysts in
    the mix's proportion."""

    def on_start(self) -> None:
        self.number = next(_trivial_numbers)
        persons = int(os.environ.get("LOAD_PERSONS", "0"))
        users = max(int(os.environ.get("LOAD_USERS", "1")), 1)
        # Spread like the mix: of every `users` people, the first `persons` sign in as Persons.
        if self.number % users < persons:
            self.username = MANIFEST["clients"][self.number % len(MANIFEST["clients"])]["username"]
        else:
            self.username = MANIFEST["analysts"][self.number % len(MANIFEST["analysts"])]["username"]
        self.sign_in()

    @task
    def ping(self) -> None:
        self.fetch(MANIFEST["urls"]["ping"], "ping")


def _item_columns(header: list[Any]) -> list[tuple[str, int, int]]:
    """(item number, score column, reason column) from the template's header row."""
    titles = [str(title or "") for title in header]
    columns = []
    for reason_at, title in enumerate(titles):
        if title.endswith(" 扣分理由"):
            number = title.split(" ", 1)[0]
            score_at = next((i for i, t in enumerate(titles) if t.startswith(f"{number} ") and i != reason_at), None)
            if score_at is not None and number in MANIFEST["items"]:
                columns.append((number, score_at, reason_at))
    return columns
