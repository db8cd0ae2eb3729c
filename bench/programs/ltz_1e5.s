# 10^5 comparisons (ltz) of 64-bit values.
    rands:100000 s0
    starttimer 1
    ltz:100000 s100000, s0, 64
    stoptimer 1
