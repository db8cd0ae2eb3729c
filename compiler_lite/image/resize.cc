// Resizing, bit for bit as the preprocessing of the reference tests our sample models
// come with, so that a model's top-1 on a sample image can be compared with theirs.
//
// This file is compiled with -ffp-contract=off (CMakeLists.txt): with -march=native the
// compiler would otherwise fuse a*b+c into one FMA, rounding once instead of twice, and
// an output byte could differ from TFLite's after truncation.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/errors.h"
#include "compiler_lite/image/image.h"

namespace mpvm::image {
namespace {

void check_image(const Image& image) {
  if (image.width <= 0 || image.height <= 0 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    throw Error(fmt::format("resize: inconsistent image {}x{}x{} with {} bytes", image.width, image.height,
                            image.channels, image.pixels.size()));
}

// One axis of TFLite's ComputeInterpolationValues with half_pixel_centers = false: the
// source coordinate out * scale in float, its floor and its ceiling clamped to the image.
struct BilinearTap {
  float position;  // out * (in_size / out_size), in float
  int lower;       // floor(position), at least 0
  int upper;       // min(ceil(position), in_size - 1)
};

BilinearTap bilinear_tap(int out, float scale, int in_size) {
  BilinearTap tap;
  tap.position = static_cast<float>(out) * scale;
  tap.lower = std::max(static_cast<int>(std::floor(tap.position)), 0);
  tap.upper = std::min(static_cast<int>(std::ceil(tap.position)), in_size - 1);
  return tap;
}

// TensorFlow Lite RESIZE_BILINEAR with align_corners = false, half_pixel_centers = false,
// as Coral's classification tests run it (google-coral/edgetpu src/cpp/test_utils.cc,
// ResizeImage): the uint8 pixels are converted to float, resized by the float kernel of
// TFLite's builtin op resolver (tensorflow/lite/kernels/internal/optimized/
// resize_bilinear.h, ResizeBilinearGeneric), and each float result is converted back with
// static_cast<uint8_t>, i.e. TRUNCATED, not rounded. TFLite's label_image converts the
// same way. The arithmetic, reproduced here in the same order:
//   scale   = float(in_size) / out_size                      (float division)
//   in_y    = float(out_y) * scale;  y0 = floor(in_y);  y1 = min(ceil(in_y), in_h - 1)
//   dy      = in_y - y0   (and dx likewise)
//   weights = (1-dy)(1-dx), (1-dy)dx, dy(1-dx), dy*dx        (each one float product)
//   sum     = ((0 + p00*w00) + p01*w01) + p10*w10) + p11*w11  (float, in this order)
//   out     = uint8(sum)  (truncation toward zero)
// where p01 is the pixel at (y0, x1) and p10 at (y1, x0). TFLite's reference kernel
// (reference/resize_bilinear.h) multiplies pixel * (1-dy) * (1-dx) left to right instead
// of forming the weight first, which can differ in the last float bit; the optimized
// kernel is what Coral's expected scores come from. Its special case for exact 2x
// upsampling averages neighbours, which for integer pixel values is the same number.
// (The uint8 kernels, used when the TENSOR is uint8, add 0.5 before the cast; the Coral
// test resizes a float tensor, so no rounding happens there.)
Image resize_bilinear(const Image& in, int out_width, int out_height) {
  Image out{out_width, out_height, in.channels, {}};
  out.pixels.resize(static_cast<size_t>(out_width) * out_height * in.channels);
  const float height_scale = static_cast<float>(in.height) / static_cast<float>(out_height);
  const float width_scale = static_cast<float>(in.width) / static_cast<float>(out_width);
  std::vector<BilinearTap> columns(out_width);
  for (int x = 0; x < out_width; ++x) columns[x] = bilinear_tap(x, width_scale, in.width);

  uint8_t* result = out.pixels.data();
  for (int y = 0; y < out_height; ++y) {
    const BilinearTap row = bilinear_tap(y, height_scale, in.height);
    const float dy = row.position - static_cast<float>(row.lower);
    for (int x = 0; x < out_width; ++x) {
      const BilinearTap& column = columns[x];
      const float dx = column.position - static_cast<float>(column.lower);
      const float w00 = (1 - dy) * (1 - dx);
      const float w01 = (1 - dy) * dx;
      const float w10 = dy * (1 - dx);
      const float w11 = dy * dx;
      for (int c = 0; c < in.channels; ++c) {
        float sum = 0;
        sum += static_cast<float>(in.at(row.lower, column.lower, c)) * w00;
        sum += static_cast<float>(in.at(row.lower, column.upper, c)) * w01;
        sum += static_cast<float>(in.at(row.upper, column.lower, c)) * w10;
        sum += static_cast<float>(in.at(row.upper, column.upper, c)) * w11;
        // The weights sum to 1 up to float rounding, so sum is within [0, 255 + tiny];
        // the clamp only keeps the conversion defined.
        *result++ = static_cast<uint8_t>(std::clamp(sum, 0.0f, 255.0f));
      }
    }
  }
  return out;
}

// The source indices PIL picks along one axis (python-pillow src/libImaging/Geometry.c,
// ImagingScaleAffine, reached from Image.resize(size, NEAREST) through ImagingTransform
// with the affine map a = [in/out, 0, 0, 0, in/out, 0]): the position starts at
// 0.5 * scale and is ADVANCED by adding scale (in double) once per output pixel, and each
// index is (int)position, i.e. floor((out + 0.5) * in / out) up to the rounding of that
// running sum, which we reproduce by summing the same way. PIL leaves an output pixel
// black if the index falls outside the source; with scale = in / out the last position is
// in - scale / 2, so that cannot happen, and we clamp rather than invent a black pixel.
std::vector<int> nearest_indices(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  std::vector<int> indices(out_size);
  double position = scale * 0.5;
  for (int i = 0; i < out_size; ++i) {
    indices[i] = std::clamp(static_cast<int>(position), 0, in_size - 1);
    position += scale;
  }
  return indices;
}

// Keras keras.utils.load_img(path, target_size=(h, w)) (interpolation defaults to
// "nearest") calls PIL's img.resize((w, h), Image.NEAREST) when the size differs.
Image resize_nearest(const Image& in, int out_width, int out_height) {
  Image out{out_width, out_height, in.channels, {}};
  out.pixels.resize(static_cast<size_t>(out_width) * out_height * in.channels);
  const std::vector<int> rows = nearest_indices(in.height, out_height);
  const std::vector<int> columns = nearest_indices(in.width, out_width);
  uint8_t* result = out.pixels.data();
  for (int y = 0; y < out_height; ++y)
    for (int x = 0; x < out_width; ++x)
      for (int c = 0; c < in.channels; ++c) *result++ = in.at(rows[y], columns[x], c);
  return out;
}

}  // namespace

Image resize(const Image& image, int width, int height, Resize method) {
  check_image(image);
  if (width <= 0 || height <= 0 || int64_t{width} * height > max_pixels)
    throw InputError(fmt::format("resize: target size {}x{} must be positive and at most {} pixels", width, height,
                                 max_pixels));
  // Both references copy an image whose size already matches (Coral's ResizeImage,
  // PIL's resize); bilinear with scale 1 would give the same bytes anyway.
  if (width == image.width && height == image.height) return image;
  switch (method) {
    case Resize::bilinear: return resize_bilinear(image, width, height);
    case Resize::nearest: return resize_nearest(image, width, height);
  }
  throw Error("resize: unknown method");
}

}  // namespace mpvm::image
