# 128 dot products of length 784 (a 784->128 fully-connected layer as dot products):
# one reshare per output, so 128 ring elements per party.
    rands:100352 s0
    rands:100352 s100352
    starttimer 1
    dotprods:128 s200704, s0, s100352, 784
    stoptimer 1
