"""The byte-path definitions of the stateful test (stateful_bytes.py) on small streams: what passes, what
is caught (modem text, a reordered or unsent byte, a call that closed but did not arrive whole)."""

from __future__ import annotations

from tests.e2e.stateful_bytes import common_prefix
from tests.e2e.stateful_bytes import first_unsent
from tests.e2e.stateful_bytes import split_as_prefixes


def test_common_prefix() -> None:
    assert common_prefix(b"xxabcd", 2, b"abz") == 2
    assert common_prefix(b"abc", 0, b"") == 0
    assert common_prefix(b"abc", 3, b"a") == 0


def test_the_device_stream_is_a_prefix_of_each_call_in_turn() -> None:
    calls = [(b"peer-0;", True), (b"peer-1;more", False)]
    assert split_as_prefixes(b"peer-0;peer-1;", 0, calls) == (True, 14)
    assert split_as_prefixes(b"peer-0;", 0, calls)[0]  # the second call delivered nothing yet
    assert not split_as_prefixes(b"peer-", 0, calls)[0]  # the first call closed: all of it, or a failure
    assert split_as_prefixes(b"peer-", 0, [(b"peer-0;", False)])[0]  # cut: a prefix is fine


def test_modem_text_on_the_device_is_caught_where_it_starts() -> None:
    ok, far = split_as_prefixes(b'peer-0;\r\nNO CARRIER\r\n\r\n+CMTI: "SM",1\r\n', 0, [(b"peer-0;", True)])
    assert not ok
    assert far == 7


def test_an_ambiguous_split_is_found() -> None:
    # "aa" + "a": the first call's prefix "a" then the second's "aa", or the first's "aa" then "a"
    assert split_as_prefixes(b"aaa", 0, [(b"aa", False), (b"aa", True)])[0]
    assert not split_as_prefixes(b"aaa", 0, [(b"aa", True), (b"b", False)])[0]


def test_peers_get_a_subsequence_of_the_device_stream_in_time() -> None:
    out = b"0123456789"
    marks = [(1.0, 0), (5.0, 5)]  # "01234" written at t=1, "56789" at t=5
    assert first_unsent(out, marks, 0, b"0249", [(2.0, 3), (6.0, 1)]) == (10, None)
    assert first_unsent(out, marks, 0, b"06", [(2.0, 2)]) == (1, 1)  # "6" was not written by t=2
    assert first_unsent(out, marks, 0, b"10", [(9.0, 2)]) == (2, 1)  # out of order
    assert first_unsent(out, marks, 0, b"AT#", [(9.0, 3)])[1] == 0  # never sent
