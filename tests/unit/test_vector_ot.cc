// ot/vector_correlated_ot.h on hand-made correlated OTs (t = q ^ u·Δ built locally): each
// word the receiver gets is the sender's plus u times the correlation, mod 2^w.
#include <random>

#include <gtest/gtest.h>

#include "protocols/ot/vector_correlated_ot.h"

namespace mpvm::ot {
namespace {

TEST(OtVectorCorrelated, EveryWordIsXPlusChoiceTimesCorrelation) {
  std::mt19937_64 rng(3);
  const std::size_t transfers = 300;
  const Block delta{rng(), rng()};
  std::vector<Block> q(transfers), t(transfers);
  std::vector<uint64_t> choices((transfers + 63) / 64);
  std::vector<uint32_t> counts(transfers);
  std::vector<uint8_t> widths(transfers);
  std::size_t words = 0;
  for (std::size_t j = 0; j < transfers; ++j) {
    q[j] = {rng(), rng()};
    const bool u = rng() & 1;
    if (u) choices[j / 64] |= uint64_t{1} << (j % 64);
    t[j] = u ? q[j] ^ delta : q[j];
    counts[j] = static_cast<uint32_t>(rng() % 7);  // zero words too
    widths[j] = static_cast<uint8_t>(1 + rng() % 64);
    words += counts[j];
  }
  std::vector<uint64_t> correlation(words), x(words), y(words);
  for (uint64_t& c : correlation) c = rng();
  std::vector<uint8_t> message(vector_packed_bytes(counts, widths));
  std::size_t bits = 0;
  for (std::size_t j = 0; j < transfers; ++j) bits += counts[j] * widths[j];
  EXPECT_EQ(message.size(), (bits + 7) / 8);
  vector_sender_correlate(q, delta, counts, widths, correlation, 77, message, x);
  vector_receiver_correlate(t, choices, counts, widths, message, 77, y);
  std::size_t word = 0;
  int nonzero = 0;
  for (std::size_t j = 0; j < transfers; ++j) {
    const uint64_t mask = widths[j] == 64 ? ~uint64_t{0} : (uint64_t{1} << widths[j]) - 1;
    const uint64_t u = choices[j / 64] >> (j % 64) & 1;
    for (uint32_t k = 0; k < counts[j]; ++k, ++word) {
      EXPECT_EQ(y[word], (x[word] + u * correlation[word]) & mask) << "OT " << j << " word " << k;
      nonzero += x[word] != 0;
    }
  }
  EXPECT_GT(nonzero, static_cast<int>(words) / 2);  // the pads are not zero
  // A different tweak gives the receiver unrelated pads.
  vector_receiver_correlate(t, choices, counts, widths, message, 78, y);
  int equal = 0;
  for (std::size_t w = 0; w < words; ++w) equal += y[w] == x[w];
  EXPECT_LT(equal, static_cast<int>(words) / 4);
}

}  // namespace
}  // namespace mpvm::ot
