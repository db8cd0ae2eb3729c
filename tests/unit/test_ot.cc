// protocols/ot: base OTs, transposition, the correlation-robust hash, the punctured PRF,
// SoftSpokenOT's correlation for every field size, ring-correlated OTs and Gilboa
// products. Parties are threads over the in-memory transport.
#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "base/errors.h"
#include "protocols/crypto/prg.h"
#include "protocols/net/memory_transport.h"
#include "protocols/ot/aes_ctr.h"
#include "protocols/ot/base_ot.h"
#include "protocols/ot/block.h"
#include "protocols/ot/correlation_robust_hash.h"
#include "protocols/ot/gilboa.h"
#include "protocols/ot/ot_setup.h"
#include "protocols/core/packed_bits.h"
#include "protocols/ot/punctured_prf.h"
#include "protocols/ot/ring_correlated_ot.h"
#include "protocols/ot/softspoken.h"
#include "protocols/ot/transpose.h"

namespace mpvm::ot {
namespace {

// ---- helpers ----

// Runs body(party, transport) for every party on its own thread; returns each party's
// error message ("" when it finished).
std::vector<std::string> run_threads(int parties, const std::function<void(int, net::Transport&)>& body) {
  net::MemoryNetwork network(parties, 30);
  std::vector<std::string> errors(parties);
  std::vector<std::thread> threads;
  for (int party = 0; party < parties; ++party) {
    threads.emplace_back([&, party] {
      std::unique_ptr<net::Transport> transport = network.transport(party);
      try {
        body(party, *transport);
      } catch (const std::exception& e) {
        errors[party] = e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return errors;
}

void expect_no_errors(const std::vector<std::string>& errors) {
  for (std::size_t party = 0; party < errors.size(); ++party) EXPECT_EQ(errors[party], "") << "party " << party;
}

Block random_block(std::mt19937_64& rng) { return Block{rng(), rng()}; }

std::vector<uint64_t> random_words(std::mt19937_64& rng, std::size_t words) {
  std::vector<uint64_t> out(words);
  for (uint64_t& w : out) w = rng();
  return out;
}

// What one party got from one extend round with one peer.
struct Extended {
  std::vector<Block> t;              // as receiver from the peer
  std::vector<uint64_t> choices;     // as receiver from the peer
  std::vector<uint8_t> sent;         // the message this party sent (its receiver's)
  std::vector<Block> q;              // as sender towards the peer
};

// One round: this party extends `count` OTs as receiver from and sender towards `peer`.
Extended extend_both_ways(net::Transport& transport, OtPair& pair, int peer, std::size_t count) {
  const unsigned k = pair.receiver.field_bits();
  Extended e;
  e.t.resize(count);
  e.choices.resize(words_for_bits(count));
  e.sent.resize(CorrelatedOtSender::message_bytes(count, k));
  pair.receiver.extend(count, e.sent, e.choices, e.t);
  std::vector<uint8_t> received(CorrelatedOtSender::message_bytes(count, k));
  transport.exchange(std::array{net::Outgoing{peer, e.sent}}, std::array{net::Incoming{peer, received}});
  e.q.resize(count);
  pair.sender.extend(count, received, e.q);
  return e;
}

// t_j = q_j ⊕ u_j·Δ for every j; returns the number of OTs that break it.
std::size_t broken_correlations(const Extended& receiver_side, const Extended& sender_side, Block delta) {
  std::size_t broken = 0;
  for (std::size_t j = 0; j < receiver_side.t.size(); ++j)
    if (receiver_side.t[j] != (sender_side.q[j] ^ block_if(get_bit(receiver_side.choices, j), delta))) ++broken;
  return broken;
}

std::size_t popcount(std::span<const uint64_t> words) {
  std::size_t ones = 0;
  for (uint64_t w : words) ones += static_cast<std::size_t>(std::popcount(w));
  return ones;
}

// ---- base OT ----

TEST(OtBaseOt, BothWaysGiveTheChosenKeyAndNotTheOther) {
  constexpr std::size_t kCount = 200;  // not a multiple of 64
  std::mt19937_64 rng(1);
  const std::vector<std::vector<uint64_t>> choices = {random_words(rng, words_for_bits(kCount)),
                                                      random_words(rng, words_for_bits(kCount))};
  std::vector<BaseOtResult> results(2);
  std::vector<uint64_t> rounds(2);
  expect_no_errors(run_threads(2, [&](int party, net::Transport& transport) {
    results[party] = run_base_ots_both_ways(transport, 1 - party, kCount, choices[party]);
    rounds[party] = transport.counters(net::Phase::setup).rounds;
  }));
  for (int sender = 0; sender < 2; ++sender) {
    const int receiver = 1 - sender;
    ASSERT_EQ(results[sender].sender_keys.size(), kCount);
    ASSERT_EQ(results[receiver].receiver_keys.size(), kCount);
    for (std::size_t j = 0; j < kCount; ++j) {
      const bool c = get_bit(choices[receiver], j);
      const KeyPair& pair = results[sender].sender_keys[j];
      EXPECT_EQ(pair[c], results[receiver].receiver_keys[j]) << "sender " << sender << " OT " << j;
      EXPECT_NE(pair[1 - c], results[receiver].receiver_keys[j]) << "sender " << sender << " OT " << j;
      EXPECT_NE(pair[0], pair[1]);
    }
  }
  // The two directions are independent OTs.
  EXPECT_NE(results[0].sender_keys[0][0], results[1].sender_keys[0][0]);
  EXPECT_EQ(rounds[0], 2u);
  EXPECT_EQ(rounds[1], 2u);
}

TEST(OtBaseOt, ThreePartiesStillTakeTwoRounds) {
  constexpr std::size_t kCount = 128;
  std::mt19937_64 rng(2);
  std::vector<std::vector<uint64_t>> choices;
  for (int p = 0; p < 3; ++p) choices.push_back(random_words(rng, 2));
  std::vector<std::vector<BaseOtResult>> results(3);
  std::vector<uint64_t> rounds(3);
  expect_no_errors(run_threads(3, [&](int party, net::Transport& transport) {
    std::vector<BaseOtPeer> peers;
    for (int other = 0; other < 3; ++other)
      if (other != party) peers.push_back({other, choices[party]});
    results[party] = run_base_ots_both_ways(transport, peers, kCount);
    rounds[party] = transport.counters(net::Phase::setup).rounds;
  }));
  auto index_of = [](int party, int peer) { return peer < party ? peer : peer - 1; };
  for (int sender = 0; sender < 3; ++sender)
    for (int receiver = 0; receiver < 3; ++receiver) {
      if (sender == receiver) continue;
      const BaseOtResult& s = results[sender][index_of(sender, receiver)];
      const BaseOtResult& r = results[receiver][index_of(receiver, sender)];
      for (std::size_t j = 0; j < kCount; ++j)
        ASSERT_EQ(s.sender_keys[j][get_bit(choices[receiver], j)], r.receiver_keys[j]) << sender << "->" << receiver;
    }
  for (int party = 0; party < 3; ++party) EXPECT_EQ(rounds[party], 2u);
}

// Party 1 deviates: it sends `bad_a` as its A, or a valid A and then `bad_b` for every B.
std::string base_ot_error_against(const std::array<uint8_t, kPointBytes>* bad_a,
                                  const std::array<uint8_t, kPointBytes>* bad_b) {
  constexpr std::size_t kCount = 4;
  const std::vector<std::string> errors = run_threads(2, [&](int party, net::Transport& transport) {
    const std::vector<uint64_t> choices = {0b0101};
    if (party == 0) {
      run_base_ots_both_ways(transport, 1, kCount, choices);
      return;
    }
    std::array<uint8_t, kPointBytes> a, their_a;
    if (bad_a != nullptr) {
      a = *bad_a;
    } else {
      std::array<uint8_t, crypto_core_ristretto255_SCALARBYTES> scalar;
      crypto_core_ristretto255_scalar_random(scalar.data());
      crypto_scalarmult_ristretto255_base(a.data(), scalar.data());
    }
    transport.exchange(std::array{net::Outgoing{0, a}}, std::array{net::Incoming{0, their_a}});
    if (bad_b == nullptr) return;
    std::vector<uint8_t> b(base_ot_round2_bytes(kCount)), their_b(base_ot_round2_bytes(kCount));
    for (std::size_t j = 0; j < kCount; ++j) std::copy(bad_b->begin(), bad_b->end(), b.begin() + j * kPointBytes);
    transport.exchange(std::array{net::Outgoing{0, b}}, std::array{net::Incoming{0, their_b}});
  });
  return errors[0];
}

TEST(OtBaseOt, RejectsAnInvalidPointNamingThePeer) {
  ASSERT_GE(sodium_init(), 0);
  std::array<uint8_t, kPointBytes> not_a_point;
  not_a_point.fill(0xff);  // not a canonical ristretto255 encoding
  const std::array<uint8_t, kPointBytes> identity{};

  const std::array<uint8_t, kPointBytes>* const bad_points[] = {&not_a_point, &identity};
  for (const auto* bad : bad_points) {
    const std::string as_a = base_ot_error_against(bad, nullptr);
    EXPECT_NE(as_a.find("party 1 sent an invalid ristretto255 point"), std::string::npos) << as_a;
    const std::string as_b = base_ot_error_against(nullptr, bad);
    EXPECT_NE(as_b.find("party 1 sent an invalid ristretto255 point (B of OT 0)"), std::string::npos) << as_b;
  }
  // And the error is a ProtocolAbort.
  bool aborted = false;
  run_threads(2, [&](int party, net::Transport& transport) {
    if (party == 1) {
      std::array<uint8_t, kPointBytes> their_a;
      transport.exchange(std::array{net::Outgoing{0, not_a_point}}, std::array{net::Incoming{0, their_a}});
      return;
    }
    try {
      run_base_ots_both_ways(transport, 1, 1, std::vector<uint64_t>{1});
    } catch (const ProtocolAbort&) {
      aborted = true;
    }
  });
  EXPECT_TRUE(aborted);
}

// ---- transposition ----

std::vector<uint64_t> random_rows(std::mt19937_64& rng, std::size_t row_words) {
  return random_words(rng, kRowsPerBlock * row_words);
}

TEST(OtTranspose, RowsToBlocksMatchesNaiveTransposition) {
  std::mt19937_64 rng(3);
  for (std::size_t count : {1u, 7u, 63u, 64u, 65u, 127u, 128u, 129u, 255u, 256u, 257u, 1000u, 4097u, 70000u}) {
    const std::size_t row_words = words_for_bits(count) + 3;  // a stride longer than the rows
    const std::vector<uint64_t> rows = random_rows(rng, row_words);
    std::vector<Block> blocks(count + 1, Block{~0ull, ~0ull});
    transpose_rows_to_blocks(rows, row_words, count, std::span(blocks).first(count));
    for (std::size_t j = 0; j < count; ++j)
      for (unsigned r = 0; r < kRowsPerBlock; ++r)
        ASSERT_EQ(blocks[j].bit(r), get_bit(std::span(rows).subspan(r * row_words), j))
            << "count " << count << " OT " << j << " row " << r;
    EXPECT_EQ(blocks[count], (Block{~0ull, ~0ull})) << "wrote past the end, count " << count;
  }
}

TEST(OtTranspose, BlocksToRowsMatchesNaiveTranspositionAndInvertsIt) {
  std::mt19937_64 rng(4);
  for (std::size_t count : {1u, 63u, 64u, 100u, 256u, 300u, 4097u}) {
    std::vector<Block> blocks(count);
    for (Block& b : blocks) b = random_block(rng);
    const std::size_t row_words = words_for_bits(count) + 1;
    std::vector<uint64_t> rows(kRowsPerBlock * row_words, 0x5a5a5a5a5a5a5a5aull);
    transpose_blocks_to_rows(blocks, rows, row_words);
    for (unsigned r = 0; r < kRowsPerBlock; ++r) {
      const std::span<const uint64_t> row = std::span(rows).subspan(r * row_words, row_words);
      for (std::size_t j = 0; j < count; ++j) ASSERT_EQ(get_bit(row, j), blocks[j].bit(r)) << count << " " << r;
      if (count % 64 != 0) {
        EXPECT_EQ(row[count / 64] >> (count % 64), 0u) << "bits past the end are zero";
      }
      EXPECT_EQ(row[row_words - 1], 0x5a5a5a5a5a5a5a5aull) << "the stride's padding is untouched";
    }
    std::vector<Block> back(count);
    transpose_rows_to_blocks(rows, row_words, count, back);
    EXPECT_EQ(back, blocks);
  }
}

// ---- correlation-robust hash ----

TEST(OtHash, PermutationIsAes128UnderTheFixedKey) {
  std::mt19937_64 rng(5);
  EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
  ASSERT_EQ(EVP_EncryptInit_ex(context, EVP_aes_128_ecb(), nullptr, fixed_aes_key().data(), nullptr), 1);
  EVP_CIPHER_CTX_set_padding(context, 0);
  for (int i = 0; i < 100; ++i) {
    const Block x = random_block(rng);
    uint8_t in[16], out[16];
    x.store(in);
    int written = 0;
    ASSERT_EQ(EVP_EncryptUpdate(context, out, &written, in, 16), 1);
    ASSERT_EQ(written, 16);
    EXPECT_EQ(fixed_key_aes(x), Block::load(out));
  }
  EVP_CIPHER_CTX_free(context);
}

TEST(OtHash, IsTheMmoConstructionWithSigma) {
  std::mt19937_64 rng(6);
  for (int i = 0; i < 100; ++i) {
    const Block x = random_block(rng);
    const uint64_t tweak = rng();
    const Block y = x ^ Block{tweak, 0};
    const Block sigma{y.high, y.low ^ y.high};  // σ(yL ‖ yR) = (yL ⊕ yR) ‖ yL
    EXPECT_EQ(correlation_robust_hash(x, tweak), fixed_key_aes(sigma) ^ sigma);
  }
}

TEST(OtHash, DeterministicBatchedLikeSingleAndTweaksDiffer) {
  std::mt19937_64 rng(7);
  for (std::size_t count : {1u, 7u, 8u, 9u, 20u, 257u}) {
    std::vector<Block> x(count), batched(count);
    for (Block& b : x) b = random_block(rng);
    const Block offset = random_block(rng);
    const uint64_t tweak_base = rng();
    correlation_robust_hash(x, offset, tweak_base, batched);
    for (std::size_t j = 0; j < count; ++j) {
      EXPECT_EQ(batched[j], correlation_robust_hash(x[j] ^ offset, tweak_base + j)) << count << " " << j;
      EXPECT_EQ(correlation_robust_hash(x[j], tweak_base + j), correlation_robust_hash(x[j], tweak_base + j));
      EXPECT_NE(correlation_robust_hash(x[j], tweak_base + j), correlation_robust_hash(x[j], tweak_base + j + 1));
    }
  }
  // In place.
  std::vector<Block> x = {random_block(rng), random_block(rng)};
  const std::vector<Block> expected = {correlation_robust_hash(x[0], 5), correlation_robust_hash(x[1], 6)};
  correlation_robust_hash(x, Block{}, 5, x);
  EXPECT_EQ(x, expected);
}

TEST(OtHash, OutputBitsOfCountingInputsAreBalanced) {
  constexpr std::size_t kCount = 20000;
  std::vector<Block> x(kCount), h(kCount);
  for (std::size_t j = 0; j < kCount; ++j) x[j] = Block{j, 0};  // highly structured inputs
  // One tweak for all: the tweak is XORed into the input, so Block{j, 0} under tweak j
  // would all be the same input (the hash's contract is uniform inputs, as OTs give).
  for (std::size_t j = 0; j < kCount; ++j) h[j] = correlation_robust_hash(x[j], 0);
  for (unsigned bit = 0; bit < 128; ++bit) {
    std::size_t ones = 0;
    for (const Block& b : h) ones += b.bit(bit);
    EXPECT_NEAR(static_cast<double>(ones) / kCount, 0.5, 0.02) << "bit " << bit;
  }
}

// ---- leaf streams ----

TEST(OtAesCtr, StreamIsCryptoPrgsStreamForTheSameKey) {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 5; ++trial) {
    const Block seed = random_block(rng);
    crypto::PrgKey key;
    seed.store(key.data());
    crypto::Prg reference(key);
    AesCtrStream stream(seed);
    // Sizes exercise the 16-block VAES groups, the 8-block groups and single blocks.
    for (std::size_t blocks : {1u, 7u, 16u, 33u, 1000u, 2u}) {
      std::vector<uint8_t> expected(16 * blocks), got(16 * blocks + 1, 0xab);
      reference.fill(expected);
      stream.fill(got.data(), blocks);
      EXPECT_TRUE(std::equal(expected.begin(), expected.end(), got.begin())) << "trial " << trial << " " << blocks;
      EXPECT_EQ(got.back(), 0xab) << "wrote past the end";
    }
  }
}

// ---- punctured PRF ----

TEST(OtPuncturedPrf, PuncturedHolderKnowsEveryLeafButTheOne) {
  std::mt19937_64 rng(8);
  for (unsigned depth = 1; depth <= kMaxTreeDepth; ++depth) {
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<KeyPair> base(depth);
      for (KeyPair& pair : base) pair = {random_block(rng), random_block(rng)};
      const unsigned punctured = static_cast<unsigned>(rng() % (1u << depth));
      std::vector<Block> received(depth);
      for (unsigned b = 0; b < depth; ++b) received[b] = base[b][1 - ((punctured >> b) & 1)];
      std::vector<KeyPair> corrections(tree_correction_count(depth));
      const std::vector<Block> full = full_tree_leaves(base, corrections);
      const std::vector<Block> partial = punctured_tree_leaves(received, punctured, corrections);
      ASSERT_EQ(full.size(), std::size_t{1} << depth);
      ASSERT_EQ(partial.size(), full.size());
      for (std::size_t x = 0; x < full.size(); ++x) {
        if (x == punctured) {
          EXPECT_EQ(partial[x], Block{}) << "depth " << depth;
          EXPECT_NE(full[x], Block{});
        } else {
          EXPECT_EQ(partial[x], full[x]) << "depth " << depth << " leaf " << x << " punctured " << punctured;
        }
      }
      std::set<std::pair<uint64_t, uint64_t>> distinct;
      for (const Block& leaf : full) distinct.insert({leaf.low, leaf.high});
      EXPECT_EQ(distinct.size(), full.size()) << "leaves are distinct";
      // With the other key at some level, the punctured holder gets a wrong leaf.
      if (depth >= 2) {
        received[depth - 1] = base[depth - 1][(punctured >> (depth - 1)) & 1];
        const std::vector<Block> wrong = punctured_tree_leaves(received, punctured, corrections);
        EXPECT_NE(wrong, partial);
      }
    }
  }
}

// ---- OT extension ----

TEST(OtSoftspoken, CorrelationHoldsForEveryFieldSizeOverSuccessiveCalls) {
  const std::vector<std::size_t> counts = {1, 100, 4097, 20000, 64};  // 20000 spans two chunks
  for (unsigned k = 1; k <= kMaxFieldBits; ++k) {
    std::vector<std::vector<Extended>> results(2);
    std::vector<Block> deltas(2);
    std::vector<uint64_t> setup_rounds(2), offline_rounds(2);
    expect_no_errors(run_threads(2, [&](int party, net::Transport& transport) {
      OtPair pair = setup_ot_pair(transport, 1 - party, k);
      deltas[party] = pair.sender.delta();
      setup_rounds[party] = transport.counters(net::Phase::setup).rounds;
      transport.set_phase(net::Phase::offline);
      for (std::size_t count : counts) results[party].push_back(extend_both_ways(transport, pair, 1 - party, count));
      offline_rounds[party] = transport.counters(net::Phase::offline).rounds;
    }));
    for (int sender = 0; sender < 2; ++sender) {
      const int receiver = 1 - sender;
      EXPECT_EQ(setup_rounds[sender], k == 1 ? 2u : 3u) << "k " << k;
      EXPECT_EQ(offline_rounds[sender], counts.size()) << "one round per extend, both directions";
      for (std::size_t call = 0; call < counts.size(); ++call) {
        const Extended& r = results[receiver][call];
        const Extended& s = results[sender][call];
        EXPECT_EQ(broken_correlations(r, s, deltas[sender]), 0u) << "k " << k << " call " << call;
        // The sender's q are not the receiver's t (that would mean u = 0 or Δ = 0).
        std::size_t differing = 0;
        for (std::size_t j = 0; j < counts[call]; ++j) differing += r.t[j] != s.q[j];
        if (counts[call] >= 100) {
          EXPECT_GT(differing, counts[call] / 4) << "k " << k;
        }
        if (counts[call] % 64 != 0) {
          EXPECT_EQ(r.choices.back() >> (counts[call] % 64), 0u) << "choice bits past the count are zero";
        }
        EXPECT_EQ(r.sent.size(), (vole_count(k) - 1) * bytes_for_bits(counts[call]));
      }
    }
    EXPECT_NE(deltas[0], deltas[1]);
  }
}

TEST(OtSoftspoken, ChoiceBitsAreBalancedAndBlocksDistinct) {
  constexpr std::size_t kCount = 100000;
  std::vector<Extended> results(2);
  expect_no_errors(run_threads(2, [&](int party, net::Transport& transport) {
    OtPair pair = setup_ot_pair(transport, 1 - party, 4);
    results[party] = extend_both_ways(transport, pair, 1 - party, kCount);
  }));
  for (const Extended& e : results) {
    // 5 standard deviations of a fair coin over 10^5 draws is 0.8 %.
    EXPECT_NEAR(static_cast<double>(popcount(e.choices)) / kCount, 0.5, 0.008);
    std::set<std::pair<uint64_t, uint64_t>> distinct;
    for (const Block& b : e.q) distinct.insert({b.low, b.high});
    EXPECT_EQ(distinct.size(), kCount);
  }
}

// The sender's whole view of the extension is the message. Each of its rows must look
// uniform and be uncorrelated with the receiver's choice bits u (sending u^1 itself, or
// anything derived from u alone, fails this).
TEST(OtSoftspoken, SenderViewIsBalancedAndUncorrelatedWithTheChoices) {
  constexpr std::size_t kCount = 50000;
  for (unsigned k : {1u, 2u, 4u, 8u}) {
    std::vector<Extended> results(2);
    expect_no_errors(run_threads(2, [&](int party, net::Transport& transport) {
      OtPair pair = setup_ot_pair(transport, 1 - party, k);
      results[party] = extend_both_ways(transport, pair, 1 - party, kCount);
    }));
    const Extended& receiver = results[0];
    const std::size_t row_bytes = bytes_for_bits(kCount);
    for (unsigned row = 0; row + 1 < vole_count(k); ++row) {
      std::size_t ones = 0, agree = 0;
      for (std::size_t j = 0; j < kCount; ++j) {
        const bool m = (receiver.sent[row * row_bytes + j / 8] >> (j % 8)) & 1;
        ones += m;
        agree += m == get_bit(receiver.choices, j);
      }
      EXPECT_NEAR(static_cast<double>(ones) / kCount, 0.5, 0.012) << "k " << k << " row " << row;
      EXPECT_NEAR(static_cast<double>(agree) / kCount, 0.5, 0.012) << "k " << k << " row " << row;
    }
  }
}

// softspoken.h allows each side to split its calls differently at multiples of
// kExtendChunk: here the receiver makes one call and the sender three.
TEST(OtSoftspoken, SidesMaySplitCallsAtChunkMultiples) {
  constexpr std::size_t kCount = 2 * kExtendChunk + 100;
  constexpr unsigned kK = 3;
  Extended receiver, sender;
  Block delta{};
  expect_no_errors(run_threads(2, [&](int party, net::Transport& transport) {
    OtPair pair = setup_ot_pair(transport, 1 - party, kK);
    std::vector<uint8_t> message(CorrelatedOtSender::message_bytes(kCount, kK));
    if (party == 0) {
      receiver.t.resize(kCount);
      receiver.choices.resize(words_for_bits(kCount));
      pair.receiver.extend(kCount, message, receiver.choices, receiver.t);
      transport.send(1, message);
      return;
    }
    delta = pair.sender.delta();
    transport.receive(0, message);
    sender.q.resize(kCount);
    std::size_t done = 0;
    for (std::size_t piece : {kExtendChunk, kExtendChunk, std::size_t{100}}) {
      const std::size_t offset = CorrelatedOtSender::message_bytes(done, kK);
      pair.sender.extend(piece, std::span(message).subspan(offset, CorrelatedOtSender::message_bytes(piece, kK)),
                         std::span(sender.q).subspan(done, piece));
      done += piece;
    }
  }));
  EXPECT_EQ(broken_correlations(receiver, sender, delta), 0u);
}

TEST(OtSoftspoken, RejectsWrongSizesAndFieldBits) {
  expect_no_errors(run_threads(2, [&](int party, net::Transport& transport) {
    EXPECT_THROW(setup_ot_pair(transport, 1 - party, 0), Error);
    EXPECT_THROW(setup_ot_pair(transport, 1 - party, 9), Error);
    OtPair pair = setup_ot_pair(transport, 1 - party, 2);
    std::vector<uint8_t> message(CorrelatedOtSender::message_bytes(100, 2) + 1);
    std::vector<Block> blocks(100);
    std::vector<uint64_t> choices(2);
    EXPECT_THROW(pair.sender.extend(100, message, blocks), Error);
    EXPECT_THROW(pair.receiver.extend(100, message, choices, blocks), Error);
    EXPECT_THROW(pair.receiver.extend(100, std::span(message).first(message.size() - 1), choices,
                                      std::span(blocks).first(99)),
                 Error);
  }));
}

TEST(OtSetup, ThreePartiesExtendWithEveryPeerInOneRound) {
  constexpr std::size_t kCount = 3000;
  constexpr unsigned kK = 4;
  // results[party][peer]
  std::vector<std::vector<Extended>> results(3, std::vector<Extended>(3));
  std::vector<std::vector<Block>> deltas(3, std::vector<Block>(3));
  std::vector<uint64_t> setup_rounds(3), offline_rounds(3);
  expect_no_errors(run_threads(3, [&](int party, net::Transport& transport) {
    std::vector<int> peers;
    for (int other = 0; other < 3; ++other)
      if (other != party) peers.push_back(other);
    std::vector<OtPair> pairs = setup_ot_pairs(transport, peers, kK);
    setup_rounds[party] = transport.counters(net::Phase::setup).rounds;
    transport.set_phase(net::Phase::offline);
    // Both directions with both peers in one exchange.
    std::vector<std::vector<uint8_t>> received(peers.size());
    std::vector<net::Outgoing> sends;
    std::vector<net::Incoming> receives;
    for (std::size_t i = 0; i < peers.size(); ++i) {
      Extended& e = results[party][peers[i]];
      deltas[party][peers[i]] = pairs[i].sender.delta();
      e.t.resize(kCount);
      e.choices.resize(words_for_bits(kCount));
      e.sent.resize(CorrelatedOtSender::message_bytes(kCount, kK));
      pairs[i].receiver.extend(kCount, e.sent, e.choices, e.t);
      received[i].resize(e.sent.size());
      sends.push_back({peers[i], e.sent});
      receives.push_back({peers[i], received[i]});
    }
    transport.exchange(sends, receives);
    for (std::size_t i = 0; i < peers.size(); ++i) {
      Extended& e = results[party][peers[i]];
      e.q.resize(kCount);
      pairs[i].sender.extend(kCount, received[i], e.q);
    }
    offline_rounds[party] = transport.counters(net::Phase::offline).rounds;
  }));
  for (int party = 0; party < 3; ++party) {
    EXPECT_EQ(setup_rounds[party], 3u);
    EXPECT_EQ(offline_rounds[party], 1u);
  }
  for (int sender = 0; sender < 3; ++sender) {
    for (int receiver = 0; receiver < 3; ++receiver) {
      if (sender == receiver) continue;
      EXPECT_EQ(broken_correlations(results[receiver][sender], results[sender][receiver], deltas[sender][receiver]), 0u)
          << sender << " -> " << receiver;
    }
  }
}

// ---- ring-correlated OT, random OT, Gilboa ----

// Correlated OTs produced locally from one pair's extension (party 0 receiver, party 1
// sender), for the tests of what is computed from them.
struct CorrelatedBatch {
  std::vector<Block> q, t;
  std::vector<uint64_t> choices;
  Block delta;
};

CorrelatedBatch correlated_batch(std::size_t count, unsigned k) {
  std::vector<Extended> results(2);
  Block delta{};
  expect_no_errors(run_threads(2, [&](int party, net::Transport& transport) {
    OtPair pair = setup_ot_pair(transport, 1 - party, k);
    if (party == 1) delta = pair.sender.delta();
    results[party] = extend_both_ways(transport, pair, 1 - party, count);
  }));
  return {results[1].q, results[0].t, results[0].choices, delta};
}

TEST(OtRingCorrelated, RandomWidthsGiveXPlusChoiceTimesCorrelation) {
  constexpr std::size_t kCount = 10007;
  const CorrelatedBatch batch = correlated_batch(kCount, 2);
  std::mt19937_64 rng(9);
  std::vector<uint8_t> widths(kCount);
  std::vector<uint64_t> correlation(kCount), x(kCount), y(kCount);
  std::size_t total_bits = 0;
  for (std::size_t j = 0; j < kCount; ++j) {
    widths[j] = static_cast<uint8_t>(1 + rng() % 64);
    correlation[j] = rng();
    total_bits += widths[j];
  }
  ASSERT_EQ(packed_bytes(widths), (total_bits + 7) / 8);
  std::vector<uint8_t> message(packed_bytes(widths));
  const uint64_t tweak_base = 1000;
  sender_correlate(batch.q, batch.delta, correlation, widths, tweak_base, message, x);
  receiver_correlate(batch.t, batch.choices, message, widths, tweak_base, y);
  for (std::size_t j = 0; j < kCount; ++j) {
    const uint64_t mask = low_bits_mask(widths[j]);
    EXPECT_EQ(x[j] & ~mask, 0u);
    EXPECT_EQ(y[j], (x[j] + (get_bit(batch.choices, j) ? correlation[j] : 0)) & mask) << "OT " << j;
  }
  // A different tweak on one side breaks it.
  std::vector<uint64_t> y_other(kCount);
  receiver_correlate(batch.t, batch.choices, message, widths, tweak_base + 1, y_other);
  std::size_t still_equal = 0;
  for (std::size_t j = 0; j < kCount; ++j) still_equal += widths[j] > 24 && y_other[j] == y[j];
  EXPECT_EQ(still_equal, 0u);
  // The message has exactly the packed length.
  std::vector<uint8_t> longer(message.size() + 1);
  EXPECT_THROW(sender_correlate(batch.q, batch.delta, correlation, widths, tweak_base, longer, x), Error);
  EXPECT_THROW(receiver_correlate(batch.t, batch.choices, std::span(message).first(message.size() - 1), widths,
                                  tweak_base, y),
               Error);
}

// With u_j = 0 the receiver knows y_j = x_j; τ_j − y_j must then not reveal c_j
// (τ_j = x_j + c_j, without the H(q_j ⊕ Δ) mask, would), and τ's bits must look uniform
// even when every correlation is the same.
TEST(OtRingCorrelated, MessageHidesTheCorrelation) {
  constexpr std::size_t kCount = 20000;
  const CorrelatedBatch batch = correlated_batch(kCount, 4);
  const std::vector<uint8_t> widths(kCount, 64);
  const std::vector<uint64_t> correlation(kCount, 0x0123456789abcdefull);
  std::vector<uint64_t> x(kCount), y(kCount);
  std::vector<uint8_t> message(packed_bytes(widths));
  sender_correlate(batch.q, batch.delta, correlation, widths, 0, message, x);
  receiver_correlate(batch.t, batch.choices, message, widths, 0, y);
  PackedBitReader reader(message);
  std::size_t revealed = 0, zeros = 0;
  std::array<std::size_t, 64> ones{};
  for (std::size_t j = 0; j < kCount; ++j) {
    const uint64_t tau = reader.get(64);
    for (unsigned b = 0; b < 64; ++b) ones[b] += (tau >> b) & 1;
    if (!get_bit(batch.choices, j)) {
      ++zeros;
      revealed += tau - y[j] == correlation[j];
    }
  }
  EXPECT_GT(zeros, kCount / 3);
  EXPECT_EQ(revealed, 0u);
  for (unsigned b = 0; b < 64; ++b) EXPECT_NEAR(static_cast<double>(ones[b]) / kCount, 0.5, 0.02) << "bit " << b;
}

TEST(OtRandomOt, ReceiverGetsTheMessageOfItsChoice) {
  constexpr std::size_t kCount = 5000;
  const CorrelatedBatch batch = correlated_batch(kCount, 3);
  std::vector<uint64_t> m0(kCount), m1(kCount), m_u(kCount);
  sender_random(batch.q, batch.delta, 77, m0, m1);
  receiver_random(batch.t, batch.choices, 77, m_u);
  for (std::size_t j = 0; j < kCount; ++j) {
    const bool u = get_bit(batch.choices, j);
    EXPECT_EQ(m_u[j], u ? m1[j] : m0[j]) << j;
    EXPECT_NE(m_u[j], u ? m0[j] : m1[j]) << j;
  }
}

TEST(OtGilboa, TenThousandProductsBothWays) {
  constexpr std::size_t kProducts = 10000;
  constexpr std::size_t kOts = kProducts * kGilboaOtsPerProduct;
  std::mt19937_64 rng(10);
  const std::vector<std::vector<uint64_t>> b = {random_words(rng, kProducts), random_words(rng, kProducts)};
  // Per party: its choice words (its a, as receiver), sender shares, receiver shares,
  // and the generic path's shares for the same products.
  std::vector<std::vector<uint64_t>> a(2), sender_share(2), receiver_share(2), generic_sender(2), generic_receiver(2);
  std::vector<std::size_t> message_bytes(2);
  expect_no_errors(run_threads(2, [&](int party, net::Transport& transport) {
    const int peer = 1 - party;
    OtPair pair = setup_ot_pair(transport, peer, 4);
    Extended e = extend_both_ways(transport, pair, peer, kOts);
    a[party] = e.choices;
    const uint64_t tweak_base = 0;  // both directions use their own OTs: same base is fine

    // Gilboa helper: receiver hashes first, the sender's message follows in one round.
    std::vector<uint64_t> partial(kProducts);
    gilboa_receiver_hash(e.t, tweak_base, partial);
    std::vector<uint8_t> mine(gilboa_message_bytes(kProducts)), theirs(gilboa_message_bytes(kProducts));
    sender_share[party].resize(kProducts);
    gilboa_sender(e.q, pair.sender.delta(), b[party], tweak_base, mine, sender_share[party]);
    transport.exchange(std::array{net::Outgoing{peer, mine}}, std::array{net::Incoming{peer, theirs}});
    gilboa_receiver_finish(e.choices, theirs, partial);
    receiver_share[party] = partial;

    // The same products through the generic ring-correlated OT, with another tweak.
    std::vector<uint8_t> widths(kOts);
    std::vector<uint64_t> correlation(kOts), x(kOts), y(kOts);
    for (std::size_t j = 0; j < kOts; ++j) {
      widths[j] = static_cast<uint8_t>(64 - j % 64);
      correlation[j] = b[party][j / 64];
    }
    message_bytes[party] = packed_bytes(widths);
    std::vector<uint8_t> generic_mine(packed_bytes(widths)), generic_theirs(packed_bytes(widths));
    sender_correlate(e.q, pair.sender.delta(), correlation, widths, kOts, generic_mine, x);
    transport.exchange(std::array{net::Outgoing{peer, generic_mine}},
                       std::array{net::Incoming{peer, generic_theirs}});
    receiver_correlate(e.t, e.choices, generic_theirs, widths, kOts, y);
    generic_sender[party].assign(kProducts, 0);
    generic_receiver[party].assign(kProducts, 0);
    for (std::size_t j = 0; j < kOts; ++j) {
      generic_sender[party][j / 64] -= x[j] << (j % 64);
      generic_receiver[party][j / 64] += y[j] << (j % 64);
    }
  }));
  for (int sender = 0; sender < 2; ++sender) {
    const int receiver = 1 - sender;
    EXPECT_EQ(message_bytes[sender], gilboa_message_bytes(kProducts));
    for (std::size_t p = 0; p < kProducts; ++p) {
      const uint64_t product = a[receiver][p] * b[sender][p];
      ASSERT_EQ(sender_share[sender][p] + receiver_share[receiver][p], product) << "product " << p;
      ASSERT_EQ(generic_sender[sender][p] + generic_receiver[receiver][p], product) << "product " << p;
      // Neither share alone is the product (or zero): probability 2^-64 each.
      EXPECT_NE(receiver_share[receiver][p], product);
      EXPECT_NE(sender_share[sender][p], 0u);
    }
  }
}

// gilboa_sender's fixed-layout packing is the generic packed_bits layout of
// sender_correlate with widths 64 − i and correlation b, byte for byte.
TEST(OtGilboa, MessageIsTheGenericRingOtMessage) {
  constexpr std::size_t kProducts = 300;
  const CorrelatedBatch batch = correlated_batch(kProducts * kGilboaOtsPerProduct, 2);
  std::mt19937_64 rng(13);
  const std::vector<uint64_t> b = random_words(rng, kProducts);
  std::vector<uint8_t> widths(batch.q.size());
  std::vector<uint64_t> correlation(batch.q.size()), x(batch.q.size()), share(kProducts);
  for (std::size_t j = 0; j < batch.q.size(); ++j) {
    widths[j] = static_cast<uint8_t>(64 - j % 64);
    correlation[j] = b[j / 64];
  }
  std::vector<uint8_t> generic(packed_bytes(widths)), fast(gilboa_message_bytes(kProducts));
  ASSERT_EQ(generic.size(), fast.size());
  sender_correlate(batch.q, batch.delta, correlation, widths, 5, generic, x);
  gilboa_sender(batch.q, batch.delta, b, 5, fast, share);
  EXPECT_EQ(fast, generic);
  for (std::size_t p = 0; p < kProducts; ++p) {
    uint64_t sum = 0;
    for (std::size_t i = 0; i < 64; ++i) sum += x[64 * p + i] << i;
    EXPECT_EQ(share[p], uint64_t{0} - sum) << p;
  }
  EXPECT_THROW(gilboa_sender(std::span(batch.q).first(63), batch.delta, std::span(b).first(1), 5,
                             std::span(fast).first(260), share),
               Error);
}

TEST(OtPackedBits, WriterAndReaderRoundTripAnyWidths) {
  std::mt19937_64 rng(11);
  std::vector<uint8_t> widths(1000);
  std::vector<uint64_t> values(1000);
  for (std::size_t j = 0; j < widths.size(); ++j) {
    widths[j] = static_cast<uint8_t>(1 + rng() % 64);
    values[j] = rng();
  }
  std::vector<uint8_t> bytes(packed_bytes(widths));
  PackedBitWriter writer(bytes);
  for (std::size_t j = 0; j < widths.size(); ++j) writer.put(values[j], widths[j]);
  writer.finish();
  PackedBitReader reader(bytes);
  for (std::size_t j = 0; j < widths.size(); ++j) {
    EXPECT_EQ(reader.get(widths[j]), values[j] & low_bits_mask(widths[j]));
  }
  EXPECT_THROW(reader.get(64), Error);
  std::vector<uint8_t> short_buffer(bytes.size() - 1);
  PackedBitWriter overflowing(short_buffer);
  EXPECT_THROW(
      {
        for (std::size_t j = 0; j < widths.size(); ++j) overflowing.put(values[j], widths[j]);
        overflowing.finish();
      },
      Error);
}

}  // namespace
}  // namespace mpvm::ot
