"""What real phones send, generated from a seed: the command vocabulary with the noise phones add
(capitalised first word, trailing and doubled spaces, line breaks, accents, non-Latin text, emoji),
empty texts, the password alone, over-long texts, concatenated parts, and sender numbers in national,
international and alphanumeric form. Every IP a valid command could dial is loopback on a closed port.
"""

from __future__ import annotations

import random

from hypothesis import strategies as st

PASSWORD = "connect"
SAFE_IPS = ["127.0.0.1", "127.0.0.2", "127.000.000.001"]
BAD_IPS = ["256.1.1.1", "1.2.3", "a.b.c.d", "1..2.3", "-1.0.0.0", "1.2.3.4.5", "０.０.０.０"]
CLOSED_PORTS = ["1", "9"]  # tcpmux / discard: nothing listens there on a CI box
NOISE = ["", " ", "  ", "\n", "\r\n", "\t", " \n ", "\u00a0"]
WORDS = ["gprs", "baud", "charformat", "mode", "server", "client", "socketting", "smspassword", "dialin",
         "config", "maintain", "any", "on", "off", "ON", "Config", "BAUD", "reboot", "help", "status"]
ODD = ["héllo", "ñandú", "Grüße", "привет", "你好", "مرحبا", "😀", "👍🏽", "€", "ß", "\x00", "\x1a", "OK",
       "\r\nOK\r\n", "+CMGL: 1,\"REC READ\"", "ERROR", '"', "'", ",", "=", "%s", "%d", "\\", "NO CARRIER"]


def args_for(word: str, rnd: random.Random) -> list[str]:
    ip = rnd.choice(SAFE_IPS + BAD_IPS[:2])
    good = {
        "gprs": [rnd.choice(["internet", "orangeinternet", "a" * 59, "a" * 60, 'in"ter']),
                 rnd.choice(["", "user", "u" * 32]), rnd.choice(["", "pass", "p" * 31])],
        "baud": [rnd.choice(["300", "1200", "9600", "115200", "230400", "9600x", "-300", "0"])],
        "charformat": [rnd.choice(["8N1", "8n2", "7E1", "7o1", "7N1", "9N1", ""])],
        "mode": rnd.choice([["server", rnd.choice(["any", "ANY", "127.0.0.1"] + BAD_IPS[:1]),
                             rnd.choice(["0", "1", "65535", "65536", "x"])],
                            ["client", ip, rnd.choice(CLOSED_PORTS + ["0", "65536"]),
                             rnd.choice(["", "maintain", "Maintain", "keep"])],
                            [rnd.choice(["", "serve", "clients"])]]),
        "socketting": [str(rnd.choice([0, 1, 300, 65535, 65536, -1])), str(rnd.choice([0, 10, 255, 256])),
                       str(rnd.choice([0, 3, 512, 513, "x"]))],
        "smspassword": [rnd.choice([PASSWORD, PASSWORD.upper(), "abc_1", "1234567890123", "", "x"])],
        "dialin": [rnd.choice(["on", "OFF", "maybe", ""])],
        "config": [rnd.choice(["", "", "now"])],
    }
    return [a for a in good.get(word, [rnd.choice(WORDS + ODD)]) if a != ""]


def noisy_join(words: list[str], rnd: random.Random) -> str:
    out = ""
    for i, w in enumerate(words):
        if i:
            out += rnd.choice([" ", " ", " ", "  ", "\n", " \r\n", "\t"])
        out += w
    return out + rnd.choice(["", "", " ", "  ", "\n", ".", " 😀"])


def message(rnd: random.Random, password: str = PASSWORD) -> str:
    kind = rnd.random()
    if kind < 0.05:
        return rnd.choice(["", " ", "\n"])
    if kind < 0.10:
        return rnd.choice([password, password.capitalize(), password + " ", " " + password.upper()])
    if kind < 0.20:  # not for us: ordinary texts
        return rnd.choice(["Hi, call me back", "ok 👍", "Ça va?", "Привет", "see you at 5  ", "?"] + ODD)
    if kind < 0.25:  # long texts, one part or more
        return password + " " + " ".join(rnd.choice(WORDS + ODD) for _ in range(rnd.randint(30, 60)))
    first = password
    r = rnd.random()
    if r < 0.3:
        first = password.capitalize()
    elif r < 0.35:
        first = password.upper()
    elif r < 0.45:
        first = rnd.choice(["conect", "connect1", "letmein", password + "x", "", "c0nnect"])
    word = rnd.choice(WORDS[:10] + ["config", "baud", "mode"])
    words = [first, word.capitalize() if rnd.random() < 0.1 else word] + args_for(word, rnd)
    if rnd.random() < 0.1:
        words.insert(rnd.randint(1, len(words)), rnd.choice(ODD + WORDS))
    return noisy_join([w for w in words if w != ""], rnd)


def sender(rnd: random.Random, n: int) -> str:
    """Unique per n so that replies can be matched to messages."""
    return rnd.choice([f"+4477009{n:05d}", f"077009{n:05d}", f"0044770{n:06d}", f"ALERT{n:05d}",
                       f"Bank{n}", f"+1555{n:07d}", f"{n:05d}"])


def concatenated(text: str) -> list[str]:
    """A long text as a phone splits it: parts of 153 characters, each its own SIM message here."""
    return [text[i:i + 153] for i in range(0, len(text), 153)] or [""]


def batch(seed: int, size: int, password: str = PASSWORD, first: int = 0) -> list[tuple[str, str]]:
    """`size` (sender, text) messages from `seed`, senders unique from `first`."""
    rnd = random.Random(seed)
    out: list[tuple[str, str]] = []
    n = first
    while len(out) < size:
        text = message(rnd, password)
        parts = concatenated(text) if len(text) > 160 and rnd.random() < 0.7 else [text]
        for p in parts[: size - len(out)]:
            out.append((sender(rnd, n), p))
            n += 1
    return out


# hypothesis: free-form texts built from the vocabulary, for the in-process parser fuzz
TOKENS = st.sampled_from(WORDS + ODD + SAFE_IPS + BAD_IPS + ["0", "1", "65535", "65536", "160", "8N1", "300",
                                                              PASSWORD, PASSWORD.upper(), "Connect"])
SEPS = st.sampled_from([" ", "  ", "\n", "\r\n", "\t", ""])
TEXTS = st.one_of(
    st.builds(lambda ws, sep: sep.join(ws), st.lists(TOKENS, max_size=8), SEPS),
    st.builds(lambda ws, tail: (PASSWORD + " " + " ".join(ws) + tail), st.lists(TOKENS, max_size=6), SEPS),
    st.text(max_size=200),
    st.builds(lambda t: PASSWORD + " " + t, st.text(max_size=200)),
)


def to_wire(text: str) -> str:
    """What the firmware reads: Latin-1, '?' for anything else (as the modem's +CMGL does)."""
    return text.encode("latin-1", errors="replace").decode("latin-1")
