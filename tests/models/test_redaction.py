"""Redaction of what the hub shows and logs: credentials in URLs and parameters, server
paths, bounded summaries; on the inputs errors really carry (httpx reprs, tracebacks)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from models.redaction import MAX_SUMMARY_CHARS, redact, summarise

CONF = "/srv/concilia/my conf"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param(
            "http://user:s3cret@feeds.example/bundle.json",
            "http://***@feeds.example/bundle.json",
            id="userinfo",
        ),
        pytest.param(
            "https://k3y-only@feeds.example/x", "https://***@feeds.example/x", id="user-only"
        ),
        pytest.param(
            "http://user:p%40ss%3Aw0rd@feeds.example/x",
            "http://***@feeds.example/x",
            id="percent-encoded-password",
        ),
        pytest.param(
            "http://user:p@ss@feeds.example/x", "http://***@feeds.example/x", id="raw-at-sign"
        ),
        pytest.param(
            "http://user:s3cret@[::1]:8080/feed?token=t0k",
            "http://***@[::1]:8080/feed?token=***",
            id="ipv6",
        ),
        pytest.param(
            "http://[2001:db8::1]/feed", "http://[2001:db8::1]/feed", id="ipv6-without-secrets"
        ),
        pytest.param(
            "https://h.example/f?page=2&access_token=a&API_KEY=b&api-key=c&apikey=d&per_page=5",
            "https://h.example/f?page=2&access_token=***&API_KEY=***&api-key=***&apikey=***"
            "&per_page=5",
            id="query-parameters",
        ),
        pytest.param(
            "https://h.example/f?key=a&password=b&passwd=c&secret=d&client_secret=e&sig=f"
            "&X-Amz-Signature=g&auth=h&author=Rossi&keyword=yoga",
            "https://h.example/f?key=***&password=***&passwd=***&secret=***&client_secret=***"
            "&sig=***&X-Amz-Signature=***&auth=***&author=Rossi&keyword=yoga",
            id="more-parameters",
        ),
        pytest.param(
            "https://h.example/f?api%5Fkey=a&token=",
            "https://h.example/f?api%5Fkey=***&token=",
            id="encoded-name-and-empty-value",
        ),
        pytest.param(
            "https://h.example/cb#access_token=a&state=x",
            "https://h.example/cb#access_token=***&state=x",
            id="fragment",
        ),
        pytest.param(
            "cannot fetch http://u:s3cret@127.0.0.1:9/f?token=t0k: ReadTimeout('')",
            "cannot fetch http://***@127.0.0.1:9/f?token=***: ReadTimeout('')",
            id="url-in-a-message",
        ),
        pytest.param(
            "ConnectError(\"failed: 'http://u:s3cret@h.example/x'\") (see http://u:p@h.example/).",
            "ConnectError(\"failed: 'http://***@h.example/x'\") (see http://***@h.example/).",
            id="urls-in-quotes-and-brackets",
        ),
        pytest.param(
            "postgresql+asyncpg://hub:s3cret@db:5432/hub",
            "postgresql+asyncpg://***@db:5432/hub",
            id="database-url",
        ),
        pytest.param(
            "connection failed: host=db user=hub password=s3cret sslmode=require",
            "connection failed: host=db user=hub password=*** sslmode=require",
            id="secret-pair-in-text",
        ),
    ],
)
def test_credentials_are_masked(text: str, shown: str) -> None:
    assert redact(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param(f"cannot read {CONF}/feeds/a.json: gone", "cannot read feeds/a.json: gone"),
        pytest.param(f"{CONF}/feeds/my feed.json", "feeds/my feed.json", id="spaces"),
        pytest.param(f"in {CONF}", "in .", id="the-directory-itself"),
        pytest.param(f"{CONF}2/a.json", "my conf2/a.json", id="unquoted-spaces-end-a-path"),
        pytest.param(
            "No such file or directory: '/var/lib/hub/x y/feed.json'",
            "No such file or directory: 'feed.json'",
            id="quoted-with-spaces",
        ),
        pytest.param("cannot read /var/lib/hub/feed.json", "cannot read feed.json", id="other"),
        pytest.param(
            'Traceback (most recent call last):\n  File "/usr/lib/python3.11/json/decoder.py",'
            " line 355, in raw_decode",
            'Traceback (most recent call last):\n  File "decoder.py", line 355, in raw_decode',
            id="traceback",
        ),
        pytest.param(f"file://{CONF}/feeds/a.json", "file://feeds/a.json", id="file-url"),
        pytest.param("file:///etc/hub/a.json", "file://a.json", id="file-url-elsewhere"),
    ],
)
def test_server_paths_become_relative_to_the_declared_directory_or_a_file_name(
    text: str, shown: str
) -> None:
    assert redact(text, [CONF]) == shown


@pytest.mark.parametrize(
    "text",
    [
        '127.0.0.1:5000 - "GET /graphql HTTP/1.1" 200',
        "content type text/plain and/or application/json, 1/2 done",
        "feeds/isola.json ../data/bundle.json ./x/y ~/feeds/a.json",
        "RPDE page 3 has no 'next' URL",
        "https://feeds.example/hsds/services?page=2&per_page=50",
        "invalid partita IVA '12345670018'",
    ],
)
def test_what_is_neither_a_credential_nor_a_server_path_is_left_alone(text: str) -> None:
    assert redact(text, [CONF]) == text


@pytest.mark.parametrize(
    "text",
    [
        "C:\\Users\\hub\\feeds\\a.json",
        "C:/Users/hub/feeds/a.json",
        "\\\\server\\share\\a.json",
        "http://",
        "://x",
        "http://@",
        "http://[::1",
        "/",
        "//",
        "",
        "token=",
    ],
)
def test_odd_inputs_do_not_crash(text: str) -> None:
    assert isinstance(redact(text, [CONF, "/"]), str)


@given(
    st.text(alphabet="abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=8),
    st.text(),
    st.text(),
)
def test_a_password_never_survives_whatever_surrounds_its_url(
    password: str, before: str, after: str
) -> None:
    assume(password not in before + after)
    url = f"http://user:{quote(password, safe='')}@feeds.example/x?token={password}"

    assert password not in redact(f"{before} {url} {after}")


def test_redacting_twice_changes_nothing() -> None:
    text = f"http://u:p@h.example/x?token=t cannot read {CONF}/a b/c.json or /etc/x/y"

    once = redact(text, [CONF])

    assert redact(once, [CONF]) == once


def test_summaries_are_bounded_after_redaction() -> None:
    cut_here = "x" * (MAX_SUMMARY_CHARS - 20)
    error = f"{cut_here} http://user:s3cret-pass-of-some-length@feeds.example/x?token=t0k"

    summary = summarise(error)

    assert len(summary) == MAX_SUMMARY_CHARS
    assert summary.endswith("…")
    assert "s3cret" not in summary
    assert summarise("short") == "short"
