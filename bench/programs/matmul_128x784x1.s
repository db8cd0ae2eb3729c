# A 128x784 by 784x1 secret matrix product (the MiniONN/SecureML first layer shape).
    rands:100352 s0
    stms:100352 s0, 0
    rands:784 s0
    stms:784 s0, 200000
    starttimer 1
    matmuls 300000, 0, 200000, 128, 784, 1
    stoptimer 1
