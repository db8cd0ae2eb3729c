# 10^5 TFLite requantizations (exact MultiplyByQuantizedMultiplier, zero point, clamp to
# [0, 255]) of 24-bit accumulators, as one layer of a quantized network does them.
.include "lib/tflite.s"
    rands:100000 s0
    trunc:100000 s0, s0, 40, 64
    starttimer 1
    requantize 100000, 0, 100000, 1395864371, -9, 3, 0, 255, 24, 200000
    stoptimer 1
