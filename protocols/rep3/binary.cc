#include "protocols/rep3/binary.h"

#include "protocols/core/packed_bits.h"
#include "protocols/net/transport.h"

#include <algorithm>


namespace mpvm::protocols::rep3 {

uint64_t even_bits(uint64_t x) {
#if defined(__BMI2__)
  return _pext_u64(x, 0x5555555555555555ULL);
#else
  // Morton decode: squeeze the even bits together, doubling the group size each step.
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0f0f0f0f0f0f0f0fULL;
  x = (x | (x >> 4)) & 0x00ff00ff00ff00ffULL;
  x = (x | (x >> 8)) & 0x0000ffff0000ffffULL;
  x = (x | (x >> 16)) & 0x00000000ffffffffULL;
  return x;
#endif
}

uint64_t odd_bits(uint64_t x) { return even_bits(x >> 1); }

uint64_t repeated_field(unsigned low, unsigned width) {
  if (low >= width) return 0;
  const uint64_t field = (width - low >= 64 ? ~uint64_t{0} : (uint64_t{1} << (width - low)) - 1) << low;
  uint64_t word = 0;
  for (unsigned at = 0; at < 64; at += width) word |= field << at;
  return word;
}

unsigned next_power_of_two(unsigned n) {
  unsigned w = 1;
  while (w < n) w *= 2;
  return w;
}

std::size_t stream_words(std::size_t values, unsigned width) {
  const std::size_t words = (values * width + 63) / 64;
  return words + (words % 2);
}

void pack_positions(std::span<const uint64_t> words, unsigned n, unsigned width, std::span<uint64_t> stream) {
  std::fill(stream.begin(), stream.end(), 0);
  const uint64_t mask = n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  const unsigned pad = width - n;
  for (std::size_t k = 0; k < words.size(); ++k) {
    const std::size_t bit = k * width;  // w divides 64: a value never straddles two words
    stream[bit / 64] |= ((words[k] & mask) << pad) << (bit % 64);
  }
}

void split_halves(std::span<const uint64_t> stream, std::span<uint64_t> odd, std::span<uint64_t> even) {
  for (std::size_t j = 0; j < odd.size(); ++j) {
    const uint64_t low = stream[2 * j], high = stream[2 * j + 1];
    odd[j] = odd_bits(low) | odd_bits(high) << 32;
    even[j] = even_bits(low) | even_bits(high) << 32;
  }
}

void padding_mask(std::size_t values, unsigned pad, unsigned width, std::span<uint64_t> stream) {
  std::fill(stream.begin(), stream.end(), 0);
  if (pad == 0) return;
  const uint64_t ones = pad >= 64 ? ~uint64_t{0} : (uint64_t{1} << pad) - 1;
  for (std::size_t k = 0; k < values; ++k) stream[k * width / 64] |= ones << (k * width % 64);
}

BitWords pack(const BitWords& words, unsigned n, unsigned width) {
  BitWords stream;
  stream.assign(rep3::stream_words(words.size(), width));
  rep3::pack_positions(words.first, n, width, stream.first);
  rep3::pack_positions(words.second, n, width, stream.second);
  return stream;
}

BitWords bit_stream(const BitWords& words, std::size_t from, std::size_t count) {
  BitWords stream;
  stream.assign(rep3::stream_words(count, 1));
  for (std::size_t k = 0; k < count; ++k) {
    stream.first[k / 64] |= (words.first[from + k] & 1) << (k % 64);
    stream.second[k / 64] |= (words.second[from + k] & 1) << (k % 64);
  }
  return stream;
}

LaneThirds balanced_thirds(std::size_t lanes, uint64_t extra_bits, std::array<uint64_t, 3>& surplus) {
  // Water-filling: lanes go to the party with the least surplus until it reaches the next,
  // then to both, then to all three alike. Only the differences matter.
  const uint64_t least = std::min({surplus[0], surplus[1], surplus[2]});
  for (uint64_t& s : surplus) s -= least;
  std::array<std::size_t, 3> count{};
  if (extra_bits == 0) {
    count = {lanes / 3, lanes / 3, lanes - 2 * (lanes / 3)};
  } else {
    std::array<int, 3> order{0, 1, 2};
    std::sort(order.begin(), order.end(), [&](int a, int b) { return surplus[static_cast<std::size_t>(a)] < surplus[static_cast<std::size_t>(b)]; });
    std::size_t left = lanes;
    for (std::size_t filled = 1; filled <= 3 && left > 0; ++filled) {
      // Raise the `filled` lowest parties to the next one's surplus (or share out the rest).
      const uint64_t level = surplus[static_cast<std::size_t>(order[filled - 1])] + count[static_cast<std::size_t>(order[filled - 1])] * extra_bits;
      const uint64_t next = filled < 3 ? surplus[static_cast<std::size_t>(order[filled])] : UINT64_MAX;
      const uint64_t step = next == UINT64_MAX ? UINT64_MAX : (next - level) / extra_bits;  // lanes per party to reach it
      const bool last = filled == 3 || step >= left / filled;
      const std::size_t each = last ? left / filled : static_cast<std::size_t>(step);
      for (std::size_t j = 0; j < filled; ++j) count[static_cast<std::size_t>(order[j])] += each;
      left -= each * filled;
      if (last) {
        for (std::size_t j = 0; left > 0; ++j, --left) ++count[static_cast<std::size_t>(order[j])];
        break;
      }
    }
  }
  for (std::size_t p = 0; p < 3; ++p) surplus[p] += count[p] * extra_bits;
  return LaneThirds{lanes, {count[0], count[0] + count[1]}};
}

std::size_t packed_value_words(std::size_t count, unsigned width) { return width >= 64 ? count : (count * width + 63) / 64; }

void append_packed(LargeVector<uint64_t>& message, std::span<const uint64_t> values, unsigned width) {
  if (width >= 64) {
    message.insert(message.end(), values.begin(), values.end());
    return;
  }
  const std::size_t start = message.size();
  message.resize(start + packed_value_words(values.size(), width), 0);
  PackedBitWriter writer(net::as_writable_bytes(std::span<uint64_t>(message).subspan(start)).first(bytes_for_bits(values.size() * width)));
  for (uint64_t v : values) writer.put(v, width);
  writer.finish();
}

void read_packed(std::span<const uint64_t> words, unsigned width, std::span<uint64_t> values) {
  if (width >= 64) {
    std::copy(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(values.size()), values.begin());
    return;
  }
  PackedBitReader reader(net::as_bytes(words).first(bytes_for_bits(values.size() * width)));
  for (uint64_t& v : values) v = reader.get(width);
}

}  // namespace mpvm::protocols::rep3
