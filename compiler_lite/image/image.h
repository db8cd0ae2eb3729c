// Image files to the bytes of a model's input tensor: decoding (stb_image), resizing the
// way the reference tests that our sample models come with resize, and the byte layouts
// the model compiler feeds to uint8 and int8 models. See README.md in this folder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpvm::image {

// 8-bit pixels in HWC order: row 0 is the top row, each pixel's channels are adjacent
// (grey; grey+alpha; R,G,B; R,G,B,A). pixels.size() == width * height * channels.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;

  // The byte of channel `c` of the pixel in row `y` (from the top), column `x`.
  uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
  }
};

// Largest width * height that load_image and resize accept (64 Mi pixels). A file's
// header may claim any size; this keeps a small hostile file from making us allocate
// gigabytes before the decoder notices the data is missing.
inline constexpr int64_t max_pixels = int64_t{1} << 26;

// Decodes a PNG, JPEG, BMP or binary PGM/PPM (P5/P6) file. `desired_channels`:
//   0 = as the decoder reports it (a paletted BMP or PNG reports 3, or 4 with alpha),
//   1 = grey: a JPEG's decoded luma (Y) plane; otherwise stb's luma of the RGB pixels,
//       (77 R + 150 G + 29 B) >> 8, which is exact for grey palettes,
//   3 = RGB (grey is replicated; alpha is dropped).
// Throws mpvm::InputError naming `path` and the reason (stb's own for corrupt data) for
// a missing, unreadable, empty, truncated, oversized or unsupported file. Other formats
// that stb could decode (GIF, TGA, PSD, HDR, PIC) are refused on purpose: TGA has no
// magic number, so without this list random bytes could "decode" as an image.
Image load_image(const std::string& path, int desired_channels = 0);

// The same, from bytes in memory; `name` is used in error messages.
Image decode_image(const std::vector<uint8_t>& bytes, const std::string& name, int desired_channels = 0);

enum class Resize {
  // TensorFlow/TFLite RESIZE_BILINEAR, align_corners = false, half_pixel_centers = false,
  // computed in float and truncated to uint8: what Coral's classification tests and
  // TFLite's label_image do (details in resize.cc).
  bilinear,
  // PIL Image.resize(size, NEAREST), which Keras load_img(target_size=...) uses: the
  // source pixel under each output pixel's centre (details in resize.cc).
  nearest,
};

// A new image of `width` x `height` with the same channels. Equal sizes return a copy
// (as both references do). Throws mpvm::InputError for a non-positive or oversized target.
Image resize(const Image& image, int width, int height, Resize method);

// `image` with `channels` channels (1 or 3), converted as load_image converts a
// non-JPEG file (grey = stb's luma of RGB; alpha dropped; grey replicated to RGB); the
// image itself if it already has them.
Image convert_channels(const Image& image, int channels);

// What the model compiler calls for an image input [1, height, width, channels]: load
// with that many channels and resize if the size differs.
Image load_for_model(const std::string& path, int height, int width, int channels, Resize method);

// The input tensor's bytes for a uint8 model: the pixels as they are, HWC, top row
// first. The int8 person-detection convention uses the very same bytes, reinterpreted
// as int8 (tflite-micro's person_detection test copies the BMP's pixel bytes, top row
// first, straight into the int8 tensor), so this is also the int8 input in that case.
std::vector<uint8_t> pixel_bytes(const Image& image);

// The alternative int8 convention (a uint8 model converted to int8 with the zero point
// moved by -128): each pixel p becomes the int8 value p - 128, returned as its
// two's-complement byte (p ^ 0x80). Not what the person-detection test does.
std::vector<uint8_t> pixel_bytes_minus_128(const Image& image);

}  // namespace mpvm::image
