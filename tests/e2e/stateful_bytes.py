"""The byte-path definitions of the stateful test, as pure functions over recorded streams.

Peer -> device: the device's stream is, call by call in the order the modem connected them, a prefix of
what each peer sent (all of it when the peer closed and nothing was cut). Why a prefix per call and not a
subsequence: the gateway never drops bytes towards the device (SER.send blocks, the modem holds the peer
back), so the only loss is the tail a cut call never delivered; and a subsequence of random bytes would
let modem text hide in them. Device -> peer: the peers' streams, in call order, are a subsequence of what
the device sent, each byte sent before it arrived (the gateway may drop, and counts what it drops).
"""

from __future__ import annotations

import bisect


def common_prefix(a: bytes, i: int, b: bytes) -> int:
    """Length of the common prefix of a[i:] and b."""
    n = min(len(a) - i, len(b))
    if n <= 0 or a[i] != b[0]:
        return 0
    lo, hi = 1, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a.startswith(b[:mid], i):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def split_as_prefixes(stream: bytes, start: int, parts: list[tuple[bytes, bool]]) -> tuple[bool, int]:
    """Whether stream[start:] is P1[:l1] + P2[:l2] + ... for the parts (P, whole) in order, with li =
    len(Pi) when whole; and the furthest offset any split explained (for the message)."""
    reach = [(start, start)]
    far = start
    for data, whole in parts:
        nxt: list[tuple[int, int]] = []
        for a, b in reach:
            for p in range(a, b + 1):
                if whole:
                    if stream.startswith(data, p):
                        nxt.append((p + len(data), p + len(data)))
                else:
                    nxt.append((p, p + common_prefix(stream, p, data)))
        reach = _merge(nxt)
        if not reach:
            return False, far
        far = max(far, reach[-1][1])
    return any(a <= len(stream) <= b for a, b in reach), far


def first_unsent(out: bytes, marks: list[tuple[float, int]], ptr: int, data: bytes,
                 chunks: list[tuple[float, int]]) -> tuple[int, int | None]:
    """Matches `data`, received in `chunks` of (time, size), as a subsequence of the device's stream `out`
    from offset `ptr`, each byte against one written by the time it arrived (`marks`: (time, offset) of
    each write). Greedy earliest matching is exact for a subsequence under such monotone limits. Returns
    (offset after the match, None), or (offset, index in `data` of the first byte that cannot be matched)."""
    times = [t for t, _ in marks]
    done = 0
    for t, n in chunks:
        i = bisect.bisect_right(times, t)
        limit = marks[i][1] if i < len(times) else len(out)
        chunk = data[done:done + n]
        if out.startswith(chunk, ptr) and ptr + n <= limit:
            ptr += n
        else:
            for k in range(n):
                j = out.find(chunk[k:k + 1], ptr, limit)
                if j < 0:
                    return ptr, done + k
                ptr = j + 1
        done += n
    return ptr, None
