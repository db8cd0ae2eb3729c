# 10^5 exact truncations by 16 bits of 40-bit values.
    rands:100000 s0
    trunc:100000 s0, s0, 24, 64
    starttimer 1
    trunc:100000 s100000, s0, 16, 40
    stoptimer 1
