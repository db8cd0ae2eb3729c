# 10^5 comparisons of 20-bit values: the width a quantized network's accumulators need.
    rands:100000 s0
    trunc:100000 s0, s0, 44, 64
    starttimer 1
    ltz:100000 s100000, s0, 20
    stoptimer 1
