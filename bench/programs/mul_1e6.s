# 10^6 secret multiplications as one vector: one round. Timer 1 covers the muls only.
    rands:1000000 s0
    rands:1000000 s1000000
    starttimer 1
    muls:1000000 s2000000, s0, s1000000
    stoptimer 1
