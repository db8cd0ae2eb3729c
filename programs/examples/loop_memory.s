# loop_memory.s: a loop with memory and a subroutine.
# Stores the secret squares 1, 4, 9, ..., 100 in s-memory 0..9, then calls `sum_memory`,
# which adds them up with an address held in an integer register.
    ldint i0, 0              # counter k
    ldint i1, 1
    ldint i2, 10             # bound
fill:
    addint i3, i0, i1        # k + 1
    convint c0, i3
    ldsi s0, 0
    addm s0, s0, c0          # s0 = secret k+1
    muls s1, s0, s0          # s1 = (k+1)^2
    stmsi s1, i0             # s-memory[k] = (k+1)^2
    addint i0, i0, i1
    ltint i4, i0, i2
    jmpnz i4, fill

    call sum_memory          # s2 = sum of s-memory[0..9]
    open c1, s2
    prints "sum of squares 1..10 = "
    printc c1
    halt

# sum_memory: s2 = s-memory[0] + ... + s-memory[i2-1]. Clobbers i5, i6, s3.
sum_memory:
    ldsi s2, 0
    ldint i5, 0
sum_loop:
    ldmsi s3, i5
    adds s2, s2, s3
    addint i5, i5, i1
    ltint i6, i5, i2
    jmpnz i6, sum_loop
    ret
