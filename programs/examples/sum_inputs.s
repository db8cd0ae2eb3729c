# sum_inputs.s: party 0 and party 1 each contribute a private number; everyone learns
# only the sum. Inputs: inputs/sum_inputs/P0.in and P1.in.
    input s0, 0          # party 0's secret
    input s1, 1          # party 1's secret
    adds s2, s0, s1      # local: no communication
    open c0, s2          # reveal the sum to every party
    prints "sum = "
    printc c0
