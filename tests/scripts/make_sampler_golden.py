#!/usr/bin/env python3
"""Expected draws for tests/unit/model/sampler_test.cpp (SamplerDeterminism.PinnedDraws).

An independent implementation of std::mt19937_64 (the parameters the C++ standard fixes in
[rand.predef]) and of braid's uniform draw (top 53 bits of one output, times 2^-53). With n equal
logits and every truncation stage off, the sampler's draw picks id floor(u * n), so these ids are
what braid must produce on every machine for the seed 0xB4A1D.

Run: /work/pyenv/bin/python tests/scripts/make_sampler_golden.py   (plain Python 3, no packages)
"""

MASK = (1 << 64) - 1


class MT19937_64:
    n, m = 312, 156

    def __init__(self, seed):
        self.mt = [0] * self.n
        self.mt[0] = seed & MASK
        for i in range(1, self.n):
            prev = self.mt[i - 1]
            self.mt[i] = (6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK
        self.index = self.n

    def _twist(self):
        upper, lower = 0xFFFFFFFF80000000, 0x7FFFFFFF  # r = 31
        for i in range(self.n):
            y = (self.mt[i] & upper) | (self.mt[(i + 1) % self.n] & lower)
            v = self.mt[(i + self.m) % self.n] ^ (y >> 1)
            if y & 1:
                v ^= 0xB5026F5AA96619E9
            self.mt[i] = v
        self.index = 0

    def __call__(self):
        if self.index >= self.n:
            self._twist()
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & MASK


def main():
    check = MT19937_64(5489)
    for _ in range(9999):
        check()
    # The standard's required value for the 10000th output of a default-seeded mt19937_64.
    assert check() == 9981545732273789042

    rng = MT19937_64(0xB4A1D)
    n = 1000
    ids = []
    for _ in range(16):
        u = (rng() >> 11) * 2.0**-53
        ids.append(int(u * n))
    print("seed 0xB4A1D, n = 1000, first 16 ids:", ", ".join(map(str, ids)))


if __name__ == "__main__":
    main()
