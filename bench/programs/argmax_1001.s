# The label of a 1001-class classifier: argmax over 1001 secret 8-bit logits.
.include "lib/nonlinear.s"
    rands:1001 s0
    trunc:1001 s0, s0, 56, 64
    starttimer 1
    argmax 2000, 0, 1001, 9, 3000, 0
    stoptimer 1
