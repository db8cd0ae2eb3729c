// Reading image files: format detection by magic number, the one completeness check stb
// does not make (BMP), a size limit, then stb_image for the decoding itself.
#include <climits>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <cerrno>
#include <optional>

#include <fmt/format.h>
#include <stb_image.h>

#include "base/errors.h"
#include "compiler_lite/image/image.h"

namespace mpvm::image {
namespace {

enum class Format { png, jpeg, bmp, pnm };

const char* format_name(Format format) {
  switch (format) {
    case Format::png: return "PNG";
    case Format::jpeg: return "JPEG";
    case Format::bmp: return "BMP";
    case Format::pnm: return "PGM/PPM";
  }
  return "?";
}

bool starts_with(const std::vector<uint8_t>& bytes, std::initializer_list<uint8_t> magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
}

// Only the formats we promise. stb also guesses TGA, which has no magic number and
// would accept many random files.
std::optional<Format> detect_format(const std::vector<uint8_t>& bytes) {
  if (starts_with(bytes, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})) return Format::png;
  if (starts_with(bytes, {0xff, 0xd8, 0xff})) return Format::jpeg;
  if (starts_with(bytes, {'B', 'M'})) return Format::bmp;
  if (starts_with(bytes, {'P', '5'}) || starts_with(bytes, {'P', '6'})) return Format::pnm;
  return std::nullopt;
}

uint32_t read_le(const std::vector<uint8_t>& bytes, size_t at, int size) {
  uint32_t value = 0;
  for (int i = size - 1; i >= 0; --i) value = (value << 8) | bytes[at + i];
  return value;
}

// stb's BMP reader returns zeros for pixel rows past the end of the file instead of
// failing, so a truncated BMP would decode as a partly black image. Returns why the
// file is too short for the pixels its header declares, or "" if it is long enough
// (or malformed in a way stb itself reports).
std::string bmp_truncation(const std::vector<uint8_t>& bytes) {
  if (bytes.size() < 18) return "truncated BMP header";
  const uint32_t pixel_offset = read_le(bytes, 10, 4);
  const uint32_t header_size = read_le(bytes, 14, 4);
  int64_t width = 0, height = 0, bits_per_pixel = 0, compression = 0;
  if (header_size == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit sizes
    if (bytes.size() < 26) return "truncated BMP header";
    width = read_le(bytes, 18, 2);
    height = read_le(bytes, 20, 2);
    bits_per_pixel = read_le(bytes, 24, 2);
  } else {
    if (bytes.size() < 34) return "truncated BMP header";
    width = static_cast<int32_t>(read_le(bytes, 18, 4));
    height = static_cast<int32_t>(read_le(bytes, 22, 4));
    bits_per_pixel = read_le(bytes, 28, 2);
    compression = read_le(bytes, 30, 4);
  }
  // RLE and other compressions have no fixed size; stb rejects those itself.
  const bool uncompressed = compression == 0 || compression == 3 || compression == 6;
  if (!uncompressed || width <= 0 || height == 0 || bits_per_pixel <= 0 || bits_per_pixel > 32) return "";
  if (height < 0) height = -height;  // negative height: rows stored top-down
  const int64_t row_bytes = (bits_per_pixel * width + 31) / 32 * 4;
  if (row_bytes > INT64_MAX / 4 / height) return "";  // absurd sizes: stb refuses them
  const int64_t needed = int64_t{pixel_offset} + row_bytes * height;
  if (static_cast<int64_t>(bytes.size()) < needed)
    return fmt::format("truncated BMP: the header declares {} bytes of pixel data at offset {}, the file has {} bytes",
                       row_bytes * height, pixel_offset, bytes.size());
  return "";
}

}  // namespace

Image decode_image(const std::vector<uint8_t>& bytes, const std::string& name, int desired_channels) {
  if (desired_channels != 0 && desired_channels != 1 && desired_channels != 3)
    throw Error(fmt::format("load_image: desired_channels is {}, expected 0, 1 or 3", desired_channels));
  if (bytes.empty()) throw InputError(fmt::format("{}: empty file, expected an image", name));
  const std::optional<Format> format = detect_format(bytes);
  if (!format)
    throw InputError(fmt::format("{}: not an image in a supported format (PNG, JPEG, BMP, binary PGM/PPM)", name));
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    throw InputError(fmt::format("{}: file too large ({} bytes)", name, bytes.size()));

  // stb itself refuses a truncated PNG (missing chunks), JPEG (it requires the
  // end-of-image marker in every mode) and PGM/PPM (short read), but not a BMP.
  if (*format == Format::bmp) {
    const std::string truncated = bmp_truncation(bytes);
    if (!truncated.empty()) throw InputError(fmt::format("{}: {}", name, truncated));
  }

  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(bytes.size());
  int width = 0, height = 0, stored_channels = 0;
  // Read the size first, so that a header claiming a huge image fails before any
  // allocation.
  if (!stbi_info_from_memory(data, length, &width, &height, &stored_channels))
    throw InputError(fmt::format("{}: cannot decode {} image: {}", name, format_name(*format), stbi_failure_reason()));
  if (width <= 0 || height <= 0 || int64_t{width} * height > max_pixels)
    throw InputError(fmt::format("{}: image of {}x{} pixels is larger than the limit of {} pixels", name, width,
                                 height, max_pixels));

  stbi_uc* decoded = stbi_load_from_memory(data, length, &width, &height, &stored_channels, desired_channels);
  if (decoded == nullptr)
    throw InputError(fmt::format("{}: cannot decode {} image: {}", name, format_name(*format), stbi_failure_reason()));
  Image image;
  image.width = width;
  image.height = height;
  image.channels = desired_channels != 0 ? desired_channels : stored_channels;
  const size_t count = static_cast<size_t>(width) * height * image.channels;
  try {
    image.pixels.assign(decoded, decoded + count);
  } catch (...) {
    stbi_image_free(decoded);
    throw;
  }
  stbi_image_free(decoded);
  return image;
}

Image load_image(const std::string& path, int desired_channels) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError(fmt::format("{}: cannot open image file: {}", path, std::strerror(errno)));
  std::vector<uint8_t> bytes;
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (size < 0) throw InputError(fmt::format("{}: cannot read image file (not a regular file?)", path));
  if (size > static_cast<std::streamoff>(INT_MAX))
    throw InputError(fmt::format("{}: file too large ({} bytes)", path, static_cast<int64_t>(size)));
  file.seekg(0, std::ios::beg);
  bytes.resize(static_cast<size_t>(size));
  if (size > 0 && !file.read(reinterpret_cast<char*>(bytes.data()), size))
    throw InputError(fmt::format("{}: read error", path));
  return decode_image(bytes, path, desired_channels);
}

}  // namespace mpvm::image
