"""The borrower's app over a real server: sign-in, strict authorisation, one tap books once."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from puhui.borrower import SignInCodes
from puhui.ledger import open_ledger
from tests.api.conftest import Server, start_server
from tests.borrower.support import seed_book

from .conftest import external_references

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
KEY = re.compile(r'name="key" value="([A-Za-z0-9_-]+)"')


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module (starting one costs seconds); each test has its own
    customers: C-ALICE and C-BOB for the authorisation test, C-0 ... C-5 for the others."""
    tmp = tmp_path_factory.mktemp("app")
    url = f"sqlite:///{tmp / 'puhui.db'}"
    seed_book(url, more=6).close()
    yield from start_server(url, tmp)


@contextmanager
def app_client(server: Server, customer: str) -> Iterator[httpx.Client]:
    """A client signed in to /app as `customer` with a one-time code."""
    codes = SignInCodes(server.database_url)
    code = codes.issue(customer)
    codes.close()
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        r = client.post("/app/login", data={"customer_id": customer, "code": code})
        assert r.status_code == 303 and r.headers["location"] == "/app", r.text
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/app" in cookie
        yield client


def borrow(client: httpx.Client, line: str, amount: str = "3000", term: str = "5") -> str:
    page = client.get(f"/app/lines/{line}/borrow", params={"amount": amount, "term": term})
    assert page.status_code == 200, page.text
    form = {
        "csrf": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
        "key": KEY.search(page.text).group(1),  # type: ignore[union-attr]
        "amount": amount,
        "term": term,
    }
    r = client.post(f"/app/lines/{line}/borrow", data=form)
    assert r.status_code == 303, r.text
    return str(r.headers["location"]).split("?")[0].rsplit("/", 1)[1]


def test_sign_in_needs_the_right_code(bank: Server) -> None:
    with httpx.Client(base_url=bank.base_url, timeout=30) as client:
        assert client.get("/app").headers["location"] == "/app/login"
        codes = SignInCodes(bank.database_url)
        code = codes.issue("C-ALICE")
        codes.close()
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        r = client.post("/app/login", data={"customer_id": "C-ALICE", "code": wrong})
        assert r.status_code == 401 and "puhui_app" not in r.headers.get("set-cookie", "")
        r = client.post("/app/login", data={"customer_id": "C-BOB", "code": code})
        assert r.status_code == 401  # Alice's code does not open Bob's app
        # asking for a code answers the same for a customer who does not exist
        known = client.post("/app/login/code", data={"customer_id": "C-ALICE"})
        unknown = client.post("/app/login/code", data={"customer_id": "C-NOBODY"})
        assert known.status_code == unknown.status_code == 200
        assert known.text.replace("C-ALICE", "X") == unknown.text.replace("C-NOBODY", "X")


def test_home_discloses_the_apr_before_borrowing(bank: Server) -> None:
    with app_client(bank, "C-0") as client:
        home = client.get("/app", params={"lang": "zh"})
        assert home.status_code == 200
        assert "年化利率" in home.text and "18.2" in home.text and "每天利息约" in home.text
        assert "20,000.00 CNY" in home.text
        assert 'name="viewport"' in home.text and external_references(home.text) == []
        assert "default-src 'self'" in home.headers["content-security-policy"]
        en = client.get("/app", params={"lang": "en"})
        assert "Annual percentage rate (APR)" in en.text and "a day" in en.text


def test_every_id_in_every_url_is_checked(bank: Server) -> None:
    with app_client(bank, "C-ALICE") as alice, app_client(bank, "C-BOB") as bob:
        loan = borrow(alice, "L-ALICE")
        csrf = CSRF.search(bob.get("/app").text).group(1)  # type: ignore[union-attr]
        foreign = [
            ("GET", "/app/lines/L-ALICE/borrow", {}),
            ("GET", "/app/lines/L-ALICE/borrow?amount=1000&term=5", {}),
            ("POST", "/app/lines/L-ALICE/borrow", {"amount": "1000", "term": "5"}),
            ("GET", f"/app/loans/{loan}", {}),
            ("GET", f"/app/loans/{loan}?on=2026-03-01", {}),
            ("POST", f"/app/loans/{loan}/repay", {"all": "1"}),
            ("GET", f"/app/loans/{loan}/statement.pdf", {}),
            ("GET", "/app/loans/99999999999999999999", {}),
            ("GET", "/app/lines/NO-SUCH-LINE/borrow", {}),
        ]
        for method, url, data in foreign:
            form = {**data, "csrf": csrf, "key": "b" * 22}
            r = bob.request(method, url, data=form if method == "POST" else None)
            assert r.status_code == 404, (method, url, r.status_code)
            assert "3,000.00" not in r.text and "loan-status" not in r.text
        assert f"/app/loans/{loan}" not in bob.get("/app/loans").text
        alice_view = alice.get(f"/app/loans/{loan}")
        assert alice_view.status_code == 200 and "3,000.00 CNY" in alice_view.text


def test_forms_need_the_sessions_csrf_token(bank: Server) -> None:
    with app_client(bank, "C-1") as client:
        r = client.post(
            "/app/lines/L-1/borrow",
            data={"amount": "1000", "term": "5", "key": "c" * 22, "csrf": "0" * 64},
        )
        assert r.status_code == 403
        assert "/app/loans/" not in client.get("/app/loans").text


def test_a_double_tap_books_one_loan(bank: Server) -> None:
    with app_client(bank, "C-2") as client:
        page = client.get("/app/lines/L-2/borrow", params={"amount": "2000", "term": "10"})
        form = {
            "csrf": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
            "key": KEY.search(page.text).group(1),  # type: ignore[union-attr]
            "amount": "2000",
            "term": "10",
        }
        answers: list[httpx.Response] = []

        def tap() -> None:
            answers.append(client.post("/app/lines/L-2/borrow", data=form))

        taps = [threading.Thread(target=tap) for _ in range(4)]
        for t in taps:
            t.start()
        for t in taps:
            t.join()
        assert {r.status_code for r in answers} == {303}
        assert len({r.headers["location"] for r in answers}) == 1
        loans = client.get("/app/loans").text
        assert loans.count('href="/app/loans/') == 1
        assert "18,000.00 CNY" in client.get("/app").text  # 20,000 less one loan of 2,000


def test_repay_in_full_and_the_statement(bank: Server) -> None:
    with app_client(bank, "C-3") as client:
        loan = borrow(client, "L-3", "1000", "5")
        page = client.get(f"/app/loans/{loan}", params={"on": "2026-01-31"})
        assert page.status_code == 200 and 'data-testid="payoff-on"' in page.text
        bad = client.get(f"/app/loans/{loan}", params={"on": "yesterday"})
        assert bad.status_code == 422 and "2026-01-31" in bad.text
        form = {
            "csrf": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
            "key": KEY.search(page.text).group(1),  # type: ignore[union-attr]
            "all": "1",
        }
        r = client.post(f"/app/loans/{loan}/repay", data=form)
        assert r.status_code == 303
        again = client.post(f"/app/loans/{loan}/repay", data=form)  # a second tap
        assert again.status_code == 303
        closed = client.get(f"/app/loans/{loan}", params={"lang": "en"})
        assert 'data-testid="closed"' in closed.text and closed.text.count(">Repayment<") == 1
        assert "20,000.00 CNY" in client.get("/app").text
        pdf = client.get(f"/app/loans/{loan}/statement.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
    ledger = open_ledger(bank.database_url)
    assert all(t.balanced for t in ledger.trial_balance())
    ledger.close()


def test_the_app_and_the_console_do_not_share_credentials(bank: Server) -> None:
    with app_client(bank, "C-4") as client:
        token = client.cookies.get("puhui_app")
        assert token
        r = httpx.get(bank.base_url + "/v1/lines/L-4", headers={"X-API-Key": token})
        assert r.status_code == 401
        console = httpx.get(
            bank.base_url + "/console", cookies={"puhui_console_key": token}, follow_redirects=False
        )
        assert console.status_code == 303
    staff = httpx.get(
        bank.base_url + "/app", cookies={"puhui_app": bank.keys["admin"]}, follow_redirects=False
    )
    assert staff.status_code == 303 and staff.headers["location"] == "/app/login"


def test_sign_out_ends_the_session(bank: Server) -> None:
    with app_client(bank, "C-5") as client:
        token = client.cookies.get("puhui_app")
        csrf = CSRF.search(client.get("/app").text).group(1)  # type: ignore[union-attr]
        assert client.post("/app/logout", data={"csrf": csrf}).status_code == 303
        again = httpx.get(bank.base_url + "/app", cookies={"puhui_app": token or ""})
        assert again.status_code == 303


def test_messages_show_only_the_customers_own_and_never_held_ones(bank: Server) -> None:
    from puhui.borrower.messages import Message, MessageStore

    def message(customer: str, kind: str, status: str, text: str) -> Message:
        return Message(
            id=f"{kind}:{customer}:{status}",
            customer_id=customer,
            loan_id="1",
            kind=kind,
            business_date="2026-01-01",
            text_zh=f"{text}（中文）",
            text_en=text,
            status=status,
            alerts=[],
            created_at="2026-01-01T00:00:00+00:00",
        )

    store = MessageStore(bank.database_url)
    store.add(
        [
            message("C-ALICE", "reminder", "sent", "Alice, 100 is due"),
            message("C-ALICE", "overdue", "held", "Alice, held text"),
            message("C-BOB", "reminder", "sent", "Bob, 200 is due"),
        ]
    )
    store.close()
    with app_client(bank, "C-ALICE") as client:
        page = client.get("/app/messages", params={"lang": "en"})
        assert page.status_code == 200
        assert "Alice, 100 is due" in page.text and "Repayment reminder" in page.text
        assert "held text" not in page.text and "Bob" not in page.text


def test_the_statement_is_a_pdf_in_chinese(bank: Server) -> None:
    with app_client(bank, "C-ALICE") as client:
        loan = borrow(client, "L-ALICE", "800", "5")
        pdf = client.get(f"/app/loans/{loan}/statement.pdf", params={"lang": "zh"})
        assert pdf.content.startswith(b"%PDF")
        # the Chinese text is set in a CJK font (`make` installs WenQuanYi when none is present)
        assert any(b"WenQuanYi" in chunk for chunk in _pdf_objects(pdf.content))


def _pdf_objects(pdf: bytes) -> list[bytes]:
    """The PDF's bytes and each of its streams inflated (fonts are named in object streams)."""
    out = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return out


def test_sign_in_attempts_are_throttled_per_address(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_book(sqlite_url).close()
    monkeypatch.setenv("PUHUI_APP_SIGNIN_BURST", "3")
    monkeypatch.setenv("PUHUI_APP_SIGNIN_RATE_PER_SECOND", "0.01")
    for server in start_server(sqlite_url, tmp_path_factory.mktemp("slow")):
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            tries = [
                client.post("/app/login", data={"customer_id": "C-ALICE", "code": "000000"})
                for _ in range(4)
            ]
            assert [r.status_code for r in tries] == [401, 401, 401, 429]
            assert int(tries[-1].headers["retry-after"]) >= 1
            slow = client.post("/app/login/code", data={"customer_id": "C-ALICE"})
            assert slow.status_code == 429


def test_a_refused_amount_is_explained_and_books_nothing(bank: Server) -> None:
    with app_client(bank, "C-0") as client:
        zh = client.get(
            "/app/lines/L-0/borrow", params={"amount": "99999", "term": "5", "lang": "zh"}
        )
        assert zh.status_code == 422 and "不超过可借额度" in zh.text and "confirm" not in zh.text
        en = client.get(
            "/app/lines/L-0/borrow", params={"amount": "1000", "term": "7", "lang": "en"}
        )
        assert en.status_code == 422 and "installments must be one of 5, 10, 20" in en.text
        assert "/app/loans/" not in client.get("/app/loans").text
