// Shapes of the matrix and convolution instructions, as the VM hands them to a protocol.
#pragma once

#include <cstdint>

namespace mpvm::protocols {

// C[rows x cols] = A[rows x inner] * B[inner x cols], all row-major.
struct MatmulShape {
  int64_t rows;
  int64_t inner;
  int64_t cols;
  int64_t a_size() const { return rows * inner; }
  int64_t b_size() const { return inner * cols; }
  int64_t c_size() const { return rows * cols; }
};

// A 2-D convolution, TFLite layouts: input HWC, filter OHWI with in_c/groups input
// channels per filter, output HWC. Taps outside the input are skipped (zero padding).
struct Conv2dShape {
  int64_t in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
  int64_t dilation_h, dilation_w;
  int64_t groups;

  int64_t input_size() const { return in_h * in_w * in_c; }
  int64_t output_size() const { return out_h * out_w * out_c; }
  int64_t filter_size() const { return out_c * kernel_h * kernel_w * (in_c / groups); }
};

// Calls f(output_index, input_index, filter_index) for every in-bounds tap of the
// convolution, in output order. Shared by every back-end's local product.
template <class F>
void for_each_conv_tap(const Conv2dShape& s, F&& f) {
  const int64_t in_per_group = s.in_c / s.groups;
  const int64_t out_per_group = s.out_c / s.groups;
  for (int64_t oy = 0; oy < s.out_h; ++oy)
    for (int64_t ox = 0; ox < s.out_w; ++ox)
      for (int64_t oc = 0; oc < s.out_c; ++oc) {
        const int64_t out_index = (oy * s.out_w + ox) * s.out_c + oc;
        const int64_t group = oc / out_per_group;
        for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
          const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
          if (iy < 0 || iy >= s.in_h) continue;
          for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
            const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
            if (ix < 0 || ix >= s.in_w) continue;
            const int64_t in_base = (iy * s.in_w + ix) * s.in_c + group * in_per_group;
            const int64_t filter_base = ((oc * s.kernel_h + ky) * s.kernel_w + kx) * in_per_group;
            for (int64_t j = 0; j < in_per_group; ++j) f(out_index, in_base + j, filter_base + j);
          }
        }
      }
}

}  // namespace mpvm::protocols
