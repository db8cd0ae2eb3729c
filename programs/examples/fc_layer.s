# fc_layer.s: one fully-connected layer with ReLU in fixed point (8 fractional bits).
# Party 0 (model owner) inputs a 3x4 weight matrix W and a bias b of 3; party 1 (client)
# inputs x of 4. Party 1 learns relu(W x + b), nothing else; party 0 learns nothing.
# All values are scaled by 2^8: 256 means 1.0.
    input:12 s0, 0           # W, row-major 3x4
    input:3 s12, 0           # b (scaled by 2^16: the scale of a product)
    input:4 s15, 1           # x
    stms:12 s0, 0            # matrices live in s-memory: W at 0, x at 12
    stms:4 s15, 12
    matmuls 16, 0, 12, 3, 4, 1   # y = W x  (3x4 times 4x1) at s-memory 16..18
    ldms:3 s19, 16
    adds:3 s19, s19, s12     # y + b, still scaled by 2^16
    trunc:3 s22, s19, 8, 40  # back to 2^8: floor(y / 2^8), |y| < 2^39
    ltz:3 s25, s22, 40       # 1 where negative
    ldi:3 c0, 1
    submr:3 s28, c0, s25     # 1 - [y < 0]
    muls:3 s31, s22, s28     # relu(y) = y * [y >= 0]
    output:3 s31, 1
