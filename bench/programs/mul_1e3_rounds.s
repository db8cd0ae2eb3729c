# 10^6 secret multiplications in 1000 rounds of 1000: the cost of a round.
    rands:1000 s0
    rands:1000 s1000
    ldint i0, 0
    ldint i1, 1
    ldint i2, 1000
    starttimer 1
loop:
    muls:1000 s2000, s0, s1000
    addint i0, i0, i1
    ltint i3, i0, i2
    jmpnz i3, loop
    stoptimer 1
