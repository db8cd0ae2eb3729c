# programs/lib/tflite.s: TFLite's integer requantization on secret values.
#     .include "lib/tflite.s"      (it includes lib/nonlinear.s for clamp)
# Conventions as in lib/nonlinear.s: register arguments are s-register numbers, N lanes
# at once, TMP the first scratch register.
#
# TFLite's MultiplyByQuantizedMultiplier(x, M0, shift) (../shared/TFLITE.md; the default
# double-rounding build) is RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(
# x * 2^left, M0), right) with left = max(shift, 0), right = max(-shift, 0). With
# q = x * 2^left * M0 + 2^30:
# - SRDHM rounds a*M0 / 2^31 to nearest with ties toward +infinity: floor(q / 2^31) for
#   either sign (its negative nudge 1 - 2^30 and C++'s division toward zero combine so).
#   It never saturates here: M0 >= 2^30 is never INT32_MIN.
# - RDBPOT(s, e) rounds s / 2^e to nearest with ties away from zero:
#   floor((s + 2^(e-1) - [s < 0]) / 2^e), and s < 0 exactly when q < 0.
# - Together: floor((q + 2^(30+e) - 2^31 [q < 0]) / 2^(31+e)): one comparison and one
#   exact truncation (for shift >= 0, e = 0: the truncation alone).

.include "lib/nonlinear.s"

# mbqm OUT, IN, N, M0, SHIFT, BITS, TMP: exactly TFLite's MultiplyByQuantizedMultiplier
# for immediates M0 in [2^30, 2^31) and SHIFT in [-31, 30], on x that fits in BITS signed
# bits with x * 2^max(SHIFT,0) fitting in 32 (as TFLite requires). Scratch: 2N.
# Cost: 1 ltz + 1 trunc of about BITS + 32 bits (for SHIFT >= 0 the trunc only).
.macro mbqm out, in, n, m0, shift, bits, tmp
    mulsi:\n s(\tmp), s(\in), ((\m0) << ((\shift)*((\shift) > 0)))
    addsi:\n s(\tmp), s(\tmp), (1<<30)
.if ((\shift) >= 0)
    trunc:\n s(\out), s(\tmp), 31, (64 + ((\bits)+(\shift)+32-64)*(((\bits)+(\shift)+32) < 64))
.else
    ltz:\n s(\tmp+\n), s(\tmp), (64 + ((\bits)+32-64)*(((\bits)+32) < 64))
    mulsi:\n s(\tmp+\n), s(\tmp+\n), -(1<<31)
    adds:\n s(\tmp), s(\tmp), s(\tmp+\n)
    addsi:\n s(\tmp), s(\tmp), (1<<(30-(\shift)))
    trunc:\n s(\out), s(\tmp), (31-(\shift)), (64 + ((\bits)+33-64)*(((\bits)+33) < 64))
.endif
.endm

# mbqm_nearest OUT, IN, N, M0, SHIFT, BITS, TMP: the cheaper variant, one rounding
# instead of two: floor((x * 2^left * M0 + 2^(30+e)) / 2^(31+e)), which is TFLite's
# single-rounding build and differs from mbqm by at most one LSB (only where the first
# rounding's tie or a negative tie moves the second). Scratch: N. Cost: 1 trunc.
.macro mbqm_nearest out, in, n, m0, shift, bits, tmp
    mulsi:\n s(\tmp), s(\in), ((\m0) << ((\shift)*((\shift) > 0)))
    addsi:\n s(\tmp), s(\tmp), (1<<(30-(\shift)*((\shift) < 0)))
    trunc:\n s(\out), s(\tmp), (31-(\shift)*((\shift) < 0)), (64 + ((\bits)+(\shift)*((\shift) > 0)+33-64)*(((\bits)+(\shift)*((\shift) > 0)+33) < 64))
.endm

# requantize OUT, IN, N, M0, SHIFT, ZERO, LO, HI, BITS, TMP: a whole TFLite output stage:
# mbqm, plus the output zero point, clamped to the activation range [LO, HI] (0..255 for
# uint8 without activation; ReLU6 narrows HI). Scratch: 6N.
.macro requantize out, in, n, m0, shift, zero, lo, hi, bits, tmp
    mbqm (\tmp), \in, \n, \m0, \shift, \bits, (\tmp+\n)
    addsi:\n s(\tmp), s(\tmp), \zero
    clamp \out, (\tmp), \n, \lo, \hi, 33, (\tmp+2*(\n))
.endm
