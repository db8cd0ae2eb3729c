// Image loading (stb_image behind our format checks) and the resize semantics that the
// reference tests of our sample models use. Sample images come from shared/models/.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/errors.h"
#include "compiler_lite/image/image.h"

namespace mpvm {
namespace {

using image::Image;
using image::Resize;

std::filesystem::path models_dir() { return std::filesystem::path(MPVM_SOURCE_DIR) / ".." / "shared" / "models"; }

#define SKIP_WITHOUT(file)                                                                        \
  if (!std::filesystem::exists(models_dir() / (file)))                                            \
  GTEST_SKIP() << "sample image " << (models_dir() / (file)).string()                             \
               << " is absent (shared/models/ is not checked out next to the source tree)"

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// A file in the test temp directory, removed when the test ends.
class TempFile {
 public:
  TempFile(const std::string& name, const std::vector<uint8_t>& bytes)
      : path_(std::filesystem::path(::testing::TempDir()) / ("mpvm_image_" + std::to_string(::getpid()) + "_" + name)) {
    std::ofstream file(path_, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (uint32_t{b[at + 3]} << 24);
}
uint16_t le16(const std::vector<uint8_t>& b, size_t at) { return static_cast<uint16_t>(b[at] | (b[at + 1] << 8)); }

// load_image must throw InputError, and the message must name the file.
void expect_input_error(const std::string& path, int desired_channels = 0) {
  try {
    image::load_image(path, desired_channels);
    ADD_FAILURE() << "no error for " << path;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an InputError for " << path << ": " << e.what();
  }
}

Image grey(int width, int height, std::vector<uint8_t> pixels) { return Image{width, height, 1, std::move(pixels)}; }

// --- Decoding ---------------------------------------------------------------------------

// cat.bmp: 24 bpp BI_RGB, BITMAPV5 header, pixel data at offset 138, rows bottom-up,
// each pixel B,G,R. Our own reading of those bytes must agree with stb's RGB top-down.
TEST(ImageLoad, CatBmpMatchesIndependentBmpParse) {
  SKIP_WITHOUT("cat.bmp");
  const auto path = models_dir() / "cat.bmp";
  const std::vector<uint8_t> file = read_bytes(path);
  ASSERT_EQ(file[0], 'B');
  const uint32_t offset = le32(file, 10);
  const int width = static_cast<int32_t>(le32(file, 18));
  const int height = static_cast<int32_t>(le32(file, 22));
  ASSERT_EQ(offset, 138u);
  ASSERT_EQ(le16(file, 28), 24);
  ASSERT_EQ(width, 512);
  ASSERT_EQ(height, 341);  // positive: bottom-up
  const size_t row_bytes = (24 * width + 31) / 32 * 4;

  const Image cat = image::load_image(path.string(), 0);
  ASSERT_EQ(cat.width, 512);
  ASSERT_EQ(cat.height, 341);
  ASSERT_EQ(cat.channels, 3);
  ASSERT_EQ(cat.pixels.size(), 512u * 341 * 3);

  std::mt19937 random(20240601);
  auto check_pixel = [&](int y, int x) {
    const size_t at = offset + (height - 1 - y) * row_bytes + x * 3;
    for (int c = 0; c < 3; ++c) ASSERT_EQ(cat.at(y, x, c), file[at + 2 - c]) << "row " << y << " column " << x;
  };
  for (int i = 0; i < 100; ++i) check_pixel(random() % height, random() % width);
  check_pixel(0, 0);
  check_pixel(0, width - 1);
  check_pixel(height - 1, 0);
  check_pixel(height - 1, width - 1);

  // RGB requested explicitly: the same bytes.
  EXPECT_EQ(image::load_image(path.string(), 3).pixels, cat.pixels);
}

// person.bmp: 8 bpp with an identity grey palette, so the grey image is the raw palette
// indices, top row first (the order the tflite-micro test feeds them to the model).
TEST(ImageLoad, PersonBmpIsGreyPaletteIndices) {
  SKIP_WITHOUT("person.bmp");
  const auto path = models_dir() / "person.bmp";
  const std::vector<uint8_t> file = read_bytes(path);
  const uint32_t offset = le32(file, 10);
  const uint32_t header_size = le32(file, 14);
  ASSERT_EQ(le16(file, 28), 8);
  ASSERT_EQ(static_cast<int32_t>(le32(file, 18)), 96);
  ASSERT_EQ(static_cast<int32_t>(le32(file, 22)), 96);
  for (int i = 0; i < 256; ++i) {  // palette entries B,G,R,0
    const size_t at = 14 + header_size + 4 * i;
    ASSERT_TRUE(file[at] == i && file[at + 1] == i && file[at + 2] == i) << "palette entry " << i;
  }
  std::vector<uint8_t> indices_top_down;
  for (int y = 0; y < 96; ++y)
    for (int x = 0; x < 96; ++x) indices_top_down.push_back(file[offset + (95 - y) * 96 + x]);

  const Image person = image::load_image(path.string(), 1);
  EXPECT_EQ(person.width, 96);
  EXPECT_EQ(person.height, 96);
  EXPECT_EQ(person.channels, 1);
  EXPECT_EQ(person.pixels, indices_top_down);
  EXPECT_EQ(image::pixel_bytes(person), indices_top_down);

  // As stored, stb expands the palette to RGB: three equal channels.
  const Image expanded = image::load_image(path.string(), 0);
  ASSERT_EQ(expanded.channels, 3);
  for (size_t i = 0; i < indices_top_down.size(); ++i)
    for (int c = 0; c < 3; ++c) ASSERT_EQ(expanded.pixels[3 * i + c], indices_top_down[i]);
  EXPECT_EQ(image::convert_channels(expanded, 1).pixels, indices_top_down);

  // What the model compiler asks for: already 96x96, so no resize.
  EXPECT_EQ(image::load_for_model(path.string(), 96, 96, 1, Resize::bilinear).pixels, indices_top_down);
}

TEST(ImageLoad, CollieJpegDecodes) {
  SKIP_WITHOUT("collie.jpg");
  const std::string path = (models_dir() / "collie.jpg").string();
  const Image collie = image::load_image(path, 0);
  EXPECT_EQ(collie.width, 1280);  // the SOF0 header says 1280x853, 3 components
  EXPECT_EQ(collie.height, 853);
  EXPECT_EQ(collie.channels, 3);
  ASSERT_EQ(collie.pixels.size(), 1280u * 853 * 3);
  // A photograph, not a blank or noise image: a spread of values, a mid-range mean.
  uint64_t sum = 0;
  uint8_t low = 255, high = 0;
  for (uint8_t p : collie.pixels) {
    sum += p;
    low = std::min(low, p);
    high = std::max(high, p);
  }
  const double mean = static_cast<double>(sum) / collie.pixels.size();
  EXPECT_GT(mean, 30);
  EXPECT_LT(mean, 225);
  EXPECT_LT(low, 40);
  EXPECT_GT(high, 215);

  // Grey from a JPEG is its decoded luma plane (stb skips the colour conversion), which
  // is close to, but not the same as, the luma of the decoded RGB.
  const Image collie_grey = image::load_image(path, 1);
  EXPECT_EQ(collie_grey.channels, 1);
  const Image converted = image::convert_channels(collie, 1);
  ASSERT_EQ(collie_grey.pixels.size(), converted.pixels.size());
  int worst = 0;
  for (size_t i = 0; i < converted.pixels.size(); ++i)
    worst = std::max(worst, std::abs(collie_grey.pixels[i] - converted.pixels[i]));
  EXPECT_LE(worst, 8);
}

// Tiny files written here, for the formats no sample image covers.
TEST(ImageLoad, PgmPpmAndPng) {
  std::vector<uint8_t> pgm = {'P', '5', '\n', '3', ' ', '2', '\n', '2', '5', '5', '\n', 1, 2, 3, 4, 5, 6};
  const TempFile pgm_file("t.pgm", pgm);
  const Image g = image::load_image(pgm_file.path(), 0);
  EXPECT_EQ(g.width, 3);
  EXPECT_EQ(g.height, 2);
  EXPECT_EQ(g.channels, 1);
  EXPECT_EQ(g.pixels, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  // Grey to RGB replicates.
  EXPECT_EQ(image::load_image(pgm_file.path(), 3).pixels,
            (std::vector<uint8_t>{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6}));

  std::vector<uint8_t> ppm = {'P', '6', ' ', '2', ' ', '1', ' ', '2', '5', '5', '\n', 10, 20, 30, 40, 50, 60};
  const TempFile ppm_file("t.ppm", ppm);
  const Image c = image::load_image(ppm_file.path(), 0);
  EXPECT_EQ(c.channels, 3);
  EXPECT_EQ(c.pixels, (std::vector<uint8_t>{10, 20, 30, 40, 50, 60}));
  // RGB to grey with stb's luma (77 R + 150 G + 29 B) >> 8: (770+3000+870)>>8 = 18,
  // (3080+7500+1740)>>8 = 48.
  EXPECT_EQ(image::load_image(ppm_file.path(), 1).pixels, (std::vector<uint8_t>{18, 48}));

  // PNG, 2x2 RGB, 8 bits, zlib with one stored (uncompressed) deflate block, so no
  // compressor is needed: each row is a filter byte 0 and the raw pixels.
  auto crc32 = [](const std::vector<uint8_t>& data) {
    uint32_t crc = 0xffffffffu;
    for (uint8_t byte : data) {
      crc ^= byte;
      for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
  };
  auto be32 = [](std::vector<uint8_t>& out, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
  };
  auto chunk = [&](std::vector<uint8_t>& png, const char* type, const std::vector<uint8_t>& data) {
    be32(png, static_cast<uint32_t>(data.size()));
    std::vector<uint8_t> typed(type, type + 4);
    typed.insert(typed.end(), data.begin(), data.end());
    png.insert(png.end(), typed.begin(), typed.end());
    be32(png, crc32(typed));
  };
  const std::vector<uint8_t> raw = {0, 255, 0, 0, 0, 255, 0,   // filter 0, red, green
                                    0, 0, 0, 255, 9, 8, 7};  // filter 0, blue, (9,8,7)
  std::vector<uint8_t> zlib = {0x78, 0x01, 0x01, static_cast<uint8_t>(raw.size()), 0,
                               static_cast<uint8_t>(~raw.size()), 0xff};
  zlib.insert(zlib.end(), raw.begin(), raw.end());
  uint32_t a = 1, b = 0;  // Adler-32
  for (uint8_t byte : raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  be32(zlib, (b << 16) | a);
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  chunk(png, "IHDR", {0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0});  // 2x2, 8 bit, colour type 2 = RGB
  chunk(png, "IDAT", zlib);
  chunk(png, "IEND", {});
  const TempFile png_file("t.png", png);
  const Image p = image::load_image(png_file.path(), 0);
  EXPECT_EQ(p.width, 2);
  EXPECT_EQ(p.height, 2);
  EXPECT_EQ(p.channels, 3);
  EXPECT_EQ(p.pixels, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7}));
}

TEST(ImageLoad, GarbageIsAnInputErrorNamingTheFile) {
  expect_input_error("/nonexistent/dir/no_such_image.png");
  expect_input_error(::testing::TempDir());  // a directory
  {
    const TempFile empty("empty.bmp", {});
    expect_input_error(empty.path());
  }
  // Random bytes, alone and behind each accepted magic number (so each decoder, and our
  // truncation checks, see garbage headers).
  const std::vector<std::vector<uint8_t>> magics = {
      {}, {'B', 'M'}, {0xff, 0xd8, 0xff}, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, {'P', '6'}, {'P', '5', ' '}};
  std::mt19937 random(7);
  for (size_t m = 0; m < magics.size(); ++m) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint8_t> bytes = magics[m];
      const size_t length = 1 + random() % 3000;
      while (bytes.size() < length) bytes.push_back(static_cast<uint8_t>(random()));
      const TempFile garbage("garbage_" + std::to_string(m) + "_" + std::to_string(trial), bytes);
      expect_input_error(garbage.path());
    }
  }
  // A text file and a GIF: formats we refuse even though stb knows GIF.
  const TempFile text("text.png", {'h', 'e', 'l', 'l', 'o', '\n'});
  expect_input_error(text.path());
  const TempFile gif("x.gif", {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0, ';'});
  expect_input_error(gif.path());
}

// Every prefix length we try of a real BMP and a real JPEG fails cleanly. For the BMPs
// this is load.cc's own check: stb alone returns zero-filled rows for a cut BMP.
TEST(ImageLoad, TruncatedFilesAreInputErrors) {
  SKIP_WITHOUT("cat.bmp");
  SKIP_WITHOUT("collie.jpg");
  for (const char* name : {"cat.bmp", "collie.jpg", "person.bmp"}) {
    const std::vector<uint8_t> whole = read_bytes(models_dir() / name);
    const size_t n = whole.size();
    for (size_t length : {size_t{1}, size_t{2}, size_t{3}, size_t{10}, size_t{14}, size_t{30}, size_t{54},
                          size_t{137}, size_t{138}, size_t{139}, size_t{1000}, size_t{1078}, size_t{5000}, n / 3,
                          n / 2, n - 100, n - 2, n - 1}) {
      const TempFile cut(std::string("cut_") + std::to_string(length) + "_" + name,
                         std::vector<uint8_t>(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(length)));
      SCOPED_TRACE(std::string(name) + " cut to " + std::to_string(length) + " bytes");
      expect_input_error(cut.path());
    }
  }
}

// Corrupting header bytes must give an image or an InputError, never a crash.
TEST(ImageLoad, MutatedHeadersNeverCrash) {
  SKIP_WITHOUT("collie.jpg");
  SKIP_WITHOUT("cat.bmp");
  std::mt19937 random(99);
  int decoded = 0, refused = 0;
  for (const char* name : {"cat.bmp", "collie.jpg"}) {
    const std::vector<uint8_t> whole = read_bytes(models_dir() / name);
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<uint8_t> bytes = whole;
      for (int k = 0; k < 4; ++k) bytes[random() % 700] = static_cast<uint8_t>(random());
      try {
        const Image decoded_image = image::decode_image(bytes, name, 0);
        EXPECT_EQ(decoded_image.pixels.size(),
                  static_cast<size_t>(decoded_image.width) * decoded_image.height * decoded_image.channels);
        ++decoded;
      } catch (const InputError&) {
        ++refused;
      }
    }
  }
  EXPECT_EQ(decoded + refused, 80);
}

TEST(ImageLoad, BadChannelRequestIsAnError) {
  SKIP_WITHOUT("person.bmp");
  EXPECT_THROW(image::load_image((models_dir() / "person.bmp").string(), 2), Error);
  EXPECT_THROW(image::load_for_model((models_dir() / "person.bmp").string(), 96, 96, 4, Resize::nearest), InputError);
}

// --- Resizing ---------------------------------------------------------------------------

TEST(ImageResize, EqualSizeIsIdentity) {
  const Image g = grey(3, 2, {1, 2, 3, 4, 5, 6});
  for (Resize method : {Resize::bilinear, Resize::nearest}) {
    const Image same = image::resize(g, 3, 2, method);
    EXPECT_EQ(same.width, 3);
    EXPECT_EQ(same.height, 2);
    EXPECT_EQ(same.pixels, g.pixels);
  }
}

// 2x2 -> 4x4 bilinear. scale = 2/4 = 0.5 on both axes, so output coordinate o samples
// source position o/2: 0, 0.5, 1, 1.5 -> (y0,y1,dy) = (0,0,0), (0,1,.5), (1,1,0), (1,1,.5)
// (y1 = min(ceil, 1): the last row and column repeat the edge).
// Source   [  0 101 ]
//          [200  40 ]
// row 0:   0, (0+101)/2 = 50.5 -> 50 (truncated, not rounded), 101, 101
// row 1:   (0+200)/2 = 100, (0+101+200+40)/4 = 85.25 -> 85, (101+40)/2 = 70.5 -> 70, 70
// row 2:   200, (200+40)/2 = 120, 40, 40
// row 3:   as row 2
TEST(ImageResize, BilinearUpscaleTwoByTwoByHand) {
  const Image out = image::resize(grey(2, 2, {0, 101, 200, 40}), 4, 4, Resize::bilinear);
  EXPECT_EQ(out.pixels, (std::vector<uint8_t>{0, 50, 101, 101,  //
                                              100, 85, 70, 70,  //
                                              200, 120, 40, 40,  //
                                              200, 120, 40, 40}));
}

// 4x4 -> 2x2 bilinear. scale = 2: output 0 -> position 0, output 1 -> position 2, both
// integers, so TF's half_pixel_centers=false resize SAMPLES the top-left pixel of each 2x2
// block (no averaging). Source v[y][x] = 10 y + x -> [[0, 2], [20, 22]].
TEST(ImageResize, BilinearDownscaleFourByFourByHand) {
  std::vector<uint8_t> v;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) v.push_back(static_cast<uint8_t>(10 * y + x));
  EXPECT_EQ(image::resize(grey(4, 4, v), 2, 2, Resize::bilinear).pixels, (std::vector<uint8_t>{0, 2, 20, 22}));
  // Nearest (PIL): index = floor((o + 0.5) * 2) = 1, 3 -> the bottom-right of each block.
  EXPECT_EQ(image::resize(grey(4, 4, v), 2, 2, Resize::nearest).pixels, (std::vector<uint8_t>{11, 13, 31, 33}));
}

// 2x2 -> 4x4 nearest: index = floor((o + 0.5) * 0.5) = 0, 0, 1, 1 -> each pixel doubled.
TEST(ImageResize, NearestUpscaleTwoByTwoByHand) {
  EXPECT_EQ(image::resize(grey(2, 2, {0, 101, 200, 40}), 4, 4, Resize::nearest).pixels,
            (std::vector<uint8_t>{0, 0, 101, 101,  //
                                  0, 0, 101, 101,  //
                                  200, 200, 40, 40,  //
                                  200, 200, 40, 40}));
}

// 5 wide x 2 high -> 4 x 4: narrower and taller at once.
// Bilinear, x: scale 5/4 = 1.25 -> positions 0, 1.25, 2.5, 3.75 (exact in float).
//   row 0 [0 40 80 120 160]   -> 0, 40+.25*40 = 50, 80+.5*40 = 100, 120+.75*40 = 150
//   row 1 [200 160 120 80 40] -> 200, 160-.25*40 = 150, 120-.5*40 = 100, 80-.75*40 = 50
// y: scale 0.5 -> positions 0, .5, 1, 1.5: row 0, the mean of both (100 everywhere),
// row 1, row 1 again.
// Nearest, x: floor((o + .5) * 1.25) = 0, 1, 3, 4; y: floor((o + .5) * .5) = 0, 0, 1, 1.
TEST(ImageResize, AspectChangeByHand) {
  const Image in = grey(5, 2, {0, 40, 80, 120, 160, 200, 160, 120, 80, 40});
  const Image bilinear = image::resize(in, 4, 4, Resize::bilinear);
  EXPECT_EQ(bilinear.width, 4);
  EXPECT_EQ(bilinear.height, 4);
  EXPECT_EQ(bilinear.pixels, (std::vector<uint8_t>{0, 50, 100, 150,  //
                                                   100, 100, 100, 100,  //
                                                   200, 150, 100, 50,  //
                                                   200, 150, 100, 50}));
  EXPECT_EQ(image::resize(in, 4, 4, Resize::nearest).pixels, (std::vector<uint8_t>{0, 40, 120, 160,  //
                                                                                 0, 40, 120, 160,  //
                                                                                 200, 160, 80, 40,  //
                                                                                 200, 160, 80, 40}));
}

// The float arithmetic is TFLite's, not exact: 5 -> 3 has scale float(5/3) = 1.66666663,
// so output 1 sits at dx = 0.66666663 between 60 and 120:
// 60 * 0.33333337 + 120 * 0.66666663 = 99.9999924 in float, truncated to 99, where exact
// arithmetic would give 100. Output 2: position 3.33333325, 180 * 0.66666675 +
// 240 * 0.33333325 rounds to exactly 200.0 in float -> 200.
// (Values from a float32 simulation of TFLite's ResizeBilinearGeneric.)
TEST(ImageResize, BilinearRoundsLikeTfliteFloat) {
  EXPECT_EQ(image::resize(grey(5, 1, {0, 60, 120, 180, 240}), 3, 1, Resize::bilinear).pixels,
            (std::vector<uint8_t>{0, 99, 200}));
  // Nearest, same sizes: floor((o + .5) * 5/3) = 0, 2, 4.
  EXPECT_EQ(image::resize(grey(5, 1, {0, 60, 120, 180, 240}), 3, 1, Resize::nearest).pixels,
            (std::vector<uint8_t>{0, 120, 240}));
}

// Channels are resized independently: each channel of an RGB resize equals the resize of
// that channel alone.
TEST(ImageResize, ChannelsAreIndependent) {
  std::mt19937 random(3);
  Image rgb{7, 5, 3, {}};
  for (int i = 0; i < 7 * 5 * 3; ++i) rgb.pixels.push_back(static_cast<uint8_t>(random()));
  for (Resize method : {Resize::bilinear, Resize::nearest}) {
    const Image out = image::resize(rgb, 4, 9, method);
    for (int c = 0; c < 3; ++c) {
      Image channel{7, 5, 1, {}};
      for (int i = 0; i < 7 * 5; ++i) channel.pixels.push_back(rgb.pixels[3 * i + c]);
      const Image expected = image::resize(channel, 4, 9, method);
      for (int i = 0; i < 4 * 9; ++i) ASSERT_EQ(out.pixels[3 * i + c], expected.pixels[i]);
    }
  }
}

// cat.bmp to MobileNet's 128x128 as Coral's test does. Horizontal scale 512/128 = 4 and
// vertical 341/128 = 2.6640625 are exact in float, so every output is a vertical lerp at
// column 4x; an independent double-precision computation agrees within one unit.
TEST(ImageResize, CatToMobilenetInput) {
  SKIP_WITHOUT("cat.bmp");
  const Image cat = image::load_image((models_dir() / "cat.bmp").string(), 3);
  const Image small = image::load_for_model((models_dir() / "cat.bmp").string(), 128, 128, 3, Resize::bilinear);
  ASSERT_EQ(small.width, 128);
  ASSERT_EQ(small.height, 128);
  ASSERT_EQ(small.channels, 3);
  for (int y = 0; y < 128; ++y) {
    const double position = y * 341.0 / 128;
    const int y0 = static_cast<int>(position);
    const int y1 = std::min(y0 + 1, 340);
    const double dy = position - y0;
    for (int x = 0; x < 128; ++x)
      for (int c = 0; c < 3; ++c) {
        const double exact = cat.at(y0, 4 * x, c) * (1 - dy) + cat.at(y1, 4 * x, c) * dy;
        ASSERT_NEAR(small.at(y, x, c), exact, 1.0) << y << "," << x << "," << c;
      }
  }
  EXPECT_EQ(small.at(0, 0, 0), cat.at(0, 0, 0));
  // Nearest to 128x128 (SecureQ8's Keras preprocessing): row floor((o+.5)*341/128),
  // column 4 o + 2.
  const Image nearest = image::resize(cat, 128, 128, Resize::nearest);
  for (int y = 0; y < 128; y += 17)
    for (int x = 0; x < 128; x += 13)
      EXPECT_EQ(nearest.at(y, x, 1), cat.at(static_cast<int>((y + 0.5) * 341 / 128), 4 * x + 2, 1));
}

TEST(ImageResize, BadTargetSizesAreInputErrors) {
  const Image g = grey(2, 2, {1, 2, 3, 4});
  EXPECT_THROW(image::resize(g, 0, 2, Resize::bilinear), InputError);
  EXPECT_THROW(image::resize(g, 2, -1, Resize::nearest), InputError);
  EXPECT_THROW(image::resize(g, 1 << 14, 1 << 14, Resize::nearest), InputError);  // 2^28 pixels > limit
  EXPECT_THROW(image::resize(Image{2, 2, 1, {1, 2, 3}}, 1, 1, Resize::nearest), Error);  // inconsistent image
}

// --- Model input bytes ---------------------------------------------------------------

TEST(ImageModelInput, PixelBytesAndTheInt8Conventions) {
  const Image g = grey(2, 2, {0, 127, 128, 255});
  // uint8 models and the person-detection int8 convention: the same bytes.
  EXPECT_EQ(image::pixel_bytes(g), (std::vector<uint8_t>{0, 127, 128, 255}));
  // p - 128 as int8: -128, -1, 0, 127 -> bytes 0x80, 0xff, 0x00, 0x7f.
  EXPECT_EQ(image::pixel_bytes_minus_128(g), (std::vector<uint8_t>{0x80, 0xff, 0x00, 0x7f}));
}

TEST(ImageModelInput, ConvertChannels) {
  const Image rgba{2, 1, 4, {10, 20, 30, 255, 0, 0, 255, 0}};
  EXPECT_EQ(image::convert_channels(rgba, 3).pixels, (std::vector<uint8_t>{10, 20, 30, 0, 0, 255}));
  // (770 + 3000 + 870) >> 8 = 18; (29 * 255) >> 8 = 28.
  EXPECT_EQ(image::convert_channels(rgba, 1).pixels, (std::vector<uint8_t>{18, 28}));
  const Image grey_alpha{2, 1, 2, {7, 255, 9, 0}};
  EXPECT_EQ(image::convert_channels(grey_alpha, 1).pixels, (std::vector<uint8_t>{7, 9}));
  EXPECT_EQ(image::convert_channels(grey_alpha, 3).pixels, (std::vector<uint8_t>{7, 7, 7, 9, 9, 9}));
}

}  // namespace
}  // namespace mpvm
