"""How bytes reach the firmware through MDM/MDM2/SER reads: cut at arbitrary points and merged.

One Chunker per input stream, seeded from the simulator's seed and the stream's name, so a run can be
repeated with `--seed N` (as far as the real I/O around it repeats). A read hands over a prefix of what is
buffered, often cut inside a line or between CR and LF; a receive that finds data may wait a little for
more, so that a final OK and the URCs or data after it arrive in one chunk; a non-blocking read may find
nothing yet. Kindness.whole_chunks turns all of it off. Times are clock seconds.
"""

from __future__ import annotations

import random

WHOLE_P = 0.4  # a read hands over everything buffered
LINE_CUT_P = 0.5  # otherwise the cut falls right after a CR or LF (inside a CR LF, between lines) this often
HOLD_P = 0.3  # a receive that finds data waits for more (what comes meanwhile joins the chunk)
HOLD_MAX_S = 0.3  # ... at most this long (and never beyond the receive's own timeout)
MISS_P = 0.2  # a non-blocking read finds nothing although data is buffered (not handed to the script yet)
MISS_MAX = 2  # ... at most this many times in a row, so a polling loop always gets on
_EOL = (10, 13)


class Chunker:
    def __init__(self, seed: int, name: str, *, whole: bool = False) -> None:
        self.name = name
        self.whole = whole
        self.rng = random.Random(f"{seed}/{name}")
        self._misses = 0
        self.cuts = 0  # reads that handed over less than was buffered
        self.holds = 0  # receives that waited for more
        self.misses = 0  # non-blocking reads that found nothing

    def cut(self, data: bytes | bytearray, limit: int) -> int:
        """How many of the buffered bytes (at most `limit`) this read hands over; >= 1 when there are any."""
        n = min(len(data), limit)
        if self.whole or n <= 1 or self.rng.random() < WHOLE_P:
            return n
        self.cuts += 1
        if self.rng.random() < LINE_CUT_P:
            start = self.rng.randrange(n - 1)
            for i in range(start, n - 1):
                if data[i] in _EOL:
                    return i + 1
        return self.rng.randint(1, n - 1)

    def miss(self) -> bool:
        """True when this non-blocking read finds nothing although data is buffered."""
        if self.whole or self._misses >= MISS_MAX or self.rng.random() >= MISS_P:
            self._misses = 0
            return False
        self._misses += 1
        self.misses += 1
        return True

    def hold_s(self, tenths: int) -> float:
        """How long a receive(tenths) that found data waits for more first (0.0: it does not)."""
        if self.whole or tenths <= 0 or self.rng.random() >= HOLD_P:
            return 0.0
        self.holds += 1
        return max(0.001, self.rng.uniform(0.0, min(tenths / 10, HOLD_MAX_S)))
