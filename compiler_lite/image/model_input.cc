// From a decoded image to the bytes of a model's input tensor.
#include <fmt/format.h>

#include "base/errors.h"
#include "compiler_lite/image/image.h"

namespace mpvm::image {
namespace {

// stb_image's luma (stbi__compute_y), so that converting after loading gives the bytes
// load_image(path, 1) gives. Exact for grey pixels: (77 + 150 + 29) v >> 8 = v.
uint8_t luma(uint8_t r, uint8_t g, uint8_t b) { return static_cast<uint8_t>((r * 77 + g * 150 + b * 29) >> 8); }

}  // namespace

Image convert_channels(const Image& image, int channels) {
  if (channels != 1 && channels != 3)
    throw Error(fmt::format("convert_channels: {} channels requested, expected 1 or 3", channels));
  if (image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    throw Error(fmt::format("convert_channels: inconsistent image {}x{}x{} with {} bytes", image.width, image.height,
                            image.channels, image.pixels.size()));
  if (image.channels == channels) return image;
  Image out{image.width, image.height, channels, {}};
  out.pixels.reserve(static_cast<size_t>(image.width) * image.height * channels);
  const bool colour = image.channels >= 3;  // 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA
  for (size_t at = 0; at < image.pixels.size(); at += image.channels) {
    const uint8_t* p = &image.pixels[at];
    if (channels == 1) {
      out.pixels.push_back(colour ? luma(p[0], p[1], p[2]) : p[0]);
    } else if (colour) {
      out.pixels.insert(out.pixels.end(), p, p + 3);
    } else {
      out.pixels.insert(out.pixels.end(), 3, p[0]);
    }
  }
  return out;
}

Image load_for_model(const std::string& path, int height, int width, int channels, Resize method) {
  if (channels != 1 && channels != 3)
    throw InputError(fmt::format("{}: the model's image input has {} channels; images give 1 (grey) or 3 (RGB)", path,
                                 channels));
  Image image = load_image(path, channels);
  if (image.width == width && image.height == height) return image;
  try {
    return resize(image, width, height, method);
  } catch (...) {
    rethrow_with_context(path);
  }
}

std::vector<uint8_t> pixel_bytes(const Image& image) { return image.pixels; }

std::vector<uint8_t> pixel_bytes_minus_128(const Image& image) {
  std::vector<uint8_t> bytes = image.pixels;
  for (uint8_t& byte : bytes) byte ^= 0x80;  // p - 128 in two's complement
  return bytes;
}

}  // namespace mpvm::image
