# programs/lib/nonlinear.s: comparisons put to work. Include it with
#     .include "lib/nonlinear.s"
# (the assembler looks in the including file's folder, then in programs/).
#
# Conventions for every macro below:
# - Register arguments are s-register NUMBERS: `relu 100, 0, 1024, 20, 5000` reads s0..s1023
#   and writes s100..s1123. Macros compute other registers from them (s(\tmp+\n)).
# - N is the vector length: every routine handles all N lanes at once, so its round count
#   does not depend on N.
# - BITS bounds the values compared: the differences a routine feeds to `ltz` must fit in
#   BITS signed bits (emulate checks this; real protocols would return garbage).
# - TMP is the first of the scratch s registers a routine may overwrite; each routine says
#   how many. OUT may be the same registers as an input unless a routine says otherwise.
#
# Costs are in `ltz` and `muls` rounds: under rep3 an ltz of b bits takes
# ceil(log2(b-1)) + 4 rounds (10 at 64 bits), a muls one.

# min OUT, A, B, N, BITS, TMP: OUT = min(A, B). Scratch: 2N. Cost: 1 ltz + 1 muls.
.macro min out, a, b, n, bits, tmp
    subs:\n s(\tmp), s(\a), s(\b)                  # d = a - b
    ltz:\n s(\tmp+\n), s(\tmp), \bits               # [a < b]
    muls:\n s(\tmp), s(\tmp), s(\tmp+\n)            # d if a < b else 0
    adds:\n s(\out), s(\b), s(\tmp)                 # b + d = a where a < b
.endm

# max OUT, A, B, N, BITS, TMP: OUT = max(A, B). Scratch: 2N. Cost: 1 ltz + 1 muls.
.macro max out, a, b, n, bits, tmp
    subs:\n s(\tmp), s(\a), s(\b)
    ltz:\n s(\tmp+\n), s(\tmp), \bits
    muls:\n s(\tmp), s(\tmp), s(\tmp+\n)
    subs:\n s(\out), s(\a), s(\tmp)                 # a - d = b where a < b
.endm

# relu OUT, IN, N, BITS, TMP: OUT = max(IN, 0). Scratch: N. Cost: 1 ltz + 1 muls.
.macro relu out, in, n, bits, tmp
    ltz:\n s(\tmp), s(\in), \bits
    muls:\n s(\tmp), s(\tmp), s(\in)                # x where x < 0
    subs:\n s(\out), s(\in), s(\tmp)
.endm

# clamp OUT, IN, N, LO, HI, BITS, TMP: OUT = min(max(IN, LO), HI) for immediates LO <= HI.
# Both comparisons run side by side, so the cost is that of one: 1 ltz + 1 muls (of 2N
# lanes). Scratch: 4N. IN - LO and HI - IN must fit in BITS signed bits. OUT must not
# overlap the scratch.
.macro clamp out, in, n, lo, hi, bits, tmp
    addsi:\n s(\tmp), s(\in), -(\lo)               # x - lo
    mulsi:\n s(\tmp+\n), s(\in), -1
    addsi:\n s(\tmp+\n), s(\tmp+\n), \hi           # hi - x
    ltz:(2*\n) s(\tmp+2*\n), s(\tmp), \bits         # [x < lo] | [x > hi]
    muls:(2*\n) s(\tmp+2*\n), s(\tmp+2*\n), s(\tmp) # [x < lo](x - lo) | [x > hi](hi - x)
    subs:\n s(\out), s(\in), s(\tmp+2*\n)
    adds:\n s(\out), s(\out), s(\tmp+3*\n)
.endm

# relu6 OUT, IN, N, SIX, BITS, TMP: clamp to [0, SIX], SIX being the value that stands
# for 6.0 (6 << fraction bits in fixed point; the quantized 6 in a TFLite model).
.macro relu6 out, in, n, six, bits, tmp
    clamp \out, \in, \n, 0, \six, \bits, \tmp
.endm

# window_max OUT, IN, N, K, BITS, TMP: OUT[i] = max over j < K of IN[j*N + i]: K blocks
# of N lanes (block j = tap j of N windows, as max pooling lays them out). A tree: blocks
# are paired and the number of blocks halves each step, so the cost is ceil(log2 K)
# (1 ltz + 1 muls). Scratch: 4*K*N.
.macro window_max out, in, n, k, bits, tmp
.if (\k == 1)
    movs:\n s(\out), s(\in)
.else
    max (\tmp), (\in), (\in+(\k)/2*(\n)), ((\k)/2*(\n)), \bits, (\tmp+2*(\k)*(\n))
.if ((\k)%2 == 1)
    movs:\n s(\tmp+(\k)/2*(\n)), s(\in+((\k)-1)*(\n))   # an odd last block moves up as is
.endif
    window_max \out, (\tmp), \n, (((\k)+1)/2), \bits, (\tmp+(\k)*(\n))
.endif
.endm

# argmax OUT, IN, N, BITS, TMP, MEM: OUT = the index of the largest of IN[0..N-1], the
# first one if several are equal (as std::max_element and numpy.argmax). Values must fit
# in BITS signed bits with BITS + ceil(log2 N) + 2 <= 64.
# Ties are broken exactly by comparing keys v * 2^B + (2^B - 1 - index), B = 20 bits of
# index: distinct keys, larger for larger values and, among equals, for smaller indices.
# A tree halves the candidates each step: ceil(log2 N) (1 ltz + 1 muls). Scratch: 14N
# registers from TMP and N cells of c-memory from MEM; it also uses i0..i4 and c0..c(N-1).
.macro argmax out, in, n, bits, tmp, mem
    # the index ramp 0..N-1 as clear values in c-memory, then as shares
    ldint i0, 0
    ldint i1, 1
    ldint i2, \n
    ldint i3, \mem
argmax_ramp_\@:
    convint c0, i0
    stmci c0, i3
    addint i0, i0, i1
    addint i3, i3, i1
    ltint i4, i0, i2
    jmpnz i4, argmax_ramp_\@
    ldmc:\n c0, \mem
    ldsi:\n s(\tmp+\n), 0
    addm:\n s(\tmp+\n), s(\tmp+\n), c0              # indices at TMP+N
    mulsi:\n s(\tmp), s(\in), (1<<20)
    subs:\n s(\tmp), s(\tmp), s(\tmp+\n)
    addsi:\n s(\tmp), s(\tmp), ((1<<20)-1)         # keys at TMP
    argmax_tree \out, (\tmp), (\tmp+\n), \n, (\bits+22), (\tmp+2*\n)
.endm

# argmax_tree OUT, KEYS, INDICES, N, BITS, TMP: the index belonging to the largest key.
# One step compares key k with key k+H (H = N/2) and keeps the larger with its index.
# Scratch: 12N.
.macro argmax_tree out, keys, indices, n, bits, tmp
.if (\n == 1)
    movs s(\out), s(\indices)
.else
    subs:((\n)/2) s(\tmp), s(\keys), s(\keys+(\n)/2)                    # a - b
    ltz:((\n)/2) s(\tmp+2*((\n)/2)), s(\tmp), \bits                     # t = [a < b]
    movs:((\n)/2) s(\tmp+3*((\n)/2)), s(\tmp+2*((\n)/2))               # t again: t | t
    subs:((\n)/2) s(\tmp), s(\keys+(\n)/2), s(\keys)                    # b - a
    subs:((\n)/2) s(\tmp+(\n)/2), s(\indices+(\n)/2), s(\indices)       # ib - ia
    muls:(2*((\n)/2)) s(\tmp), s(\tmp), s(\tmp+2*((\n)/2))              # t(b - a) | t(ib - ia)
    adds:((\n)/2) s(\tmp+4*(\n)), s(\keys), s(\tmp)                     # winning keys
    adds:((\n)/2) s(\tmp+5*(\n)), s(\indices), s(\tmp+(\n)/2)           # their indices
.if ((\n)%2 == 1)
    movs s(\tmp+4*(\n)+(\n)/2), s(\keys+(\n)-1)                         # an odd last one moves up
    movs s(\tmp+5*(\n)+(\n)/2), s(\indices+(\n)-1)
.endif
    argmax_tree \out, (\tmp+4*(\n)), (\tmp+5*(\n)), (((\n)+1)/2), \bits, (\tmp+6*(\n))
.endif
.endm
