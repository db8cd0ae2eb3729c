# dot_product.s: a vectorized dot product. Party 0 holds x (8 values), party 1 holds y
# (8 values); party 1 learns sum_j x[j]*y[j] and nothing else. `dotprods` computes
# the local products and reshares once, so the whole product costs one round.
    input:8 s0, 0            # s0..s7  = x
    input:8 s8, 1            # s8..s15 = y
    dotprods s16, s0, s8, 8  # s16 = x . y
    output s16, 1            # only party 1 sees it (printed as "P1: ...")

# The same as 8 multiplications and a sum, to show the two agree (and the cost differs):
    muls:8 s17, s0, s8
    adds:4 s25, s17, s21     # pairwise sums: 8 -> 4 -> 2 -> 1
    adds:2 s29, s25, s27
    adds s31, s29, s30
    output s31, 1
