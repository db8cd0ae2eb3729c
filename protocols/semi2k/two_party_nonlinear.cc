#include "protocols/semi2k/two_party_nonlinear.h"

#include <algorithm>

#include "protocols/ot/correlation_robust_hash.h"
#include "protocols/ot/ring_correlated_ot.h"

namespace mpvm::protocols::semi2k {
namespace {

constexpr unsigned kDigitBits = 4;  // CrypTFlow2's m = 4: 1-out-of-16 OTs
constexpr unsigned kDigitValues = 1u << kDigitBits;
constexpr std::size_t kChunkValues = 4096;

unsigned digit_count(unsigned width) { return (width + kDigitBits - 1) / kDigitBits; }
unsigned digit_width(unsigned width, unsigned digit) { return std::min(kDigitBits, width - kDigitBits * digit); }
uint64_t low_bits(uint64_t x, unsigned width) { return width >= 64 ? x : x & ((uint64_t{1} << width) - 1); }

// AND gates of the tree over `digits` leaves: (greater, equal) pairs merge as
// G = G_hi ^ (E_hi & G_lo), E = E_hi & E_lo; the equality test needs only E.
std::size_t gate_count(unsigned digits, bool equality) {
  std::size_t gates = 0;
  for (unsigned level = digits; level > 1; level = level / 2 + level % 2) gates += (level / 2) * (equality ? 1 : 2);
  return gates;
}

void pack_bits(std::span<const uint8_t> bits, std::span<uint8_t> bytes) {
  std::fill(bytes.begin(), bytes.end(), 0);
  for (std::size_t k = 0; k < bits.size(); ++k) bytes[k / 8] |= static_cast<uint8_t>(bits[k] << (k % 8));
}
uint8_t bit_at(std::span<const uint8_t> bytes, std::size_t k) { return bytes[k / 8] >> (k % 8) & 1; }

// The 1-out-of-16 OT of a digit from its bits' random OTs (Naor-Pinkas, SODA 2001, §2.2:
// 1-out-of-N from log N 1-out-of-2 OTs): the pad of value c hashes one key per bit,
// the key of that bit's value in c (XORed in pairs into one 128-bit input, under a tweak
// unique to the value and the digit). The receiver knows the keys of its own digit only;
// every other value's input involves a key it lacks. Naor-Pinkas apply a PRF per key;
// one hash of the combined keys instead treats the fixed-key hash as a random oracle on
// inputs that are linearly related across values (the same use as IKNP's hash of
// q ^ Delta), which is the model GKWY prove the hash in.
template <class KeyOf>
ot::Block digit_key(unsigned width, unsigned value, KeyOf key_of) {
  ot::Block block{0, 0};
  for (unsigned i = 0; i < width; ++i) (i % 2 ? block.high : block.low) ^= key_of(i, value >> i & 1);
  return block;
}

}  // namespace

TwoPartyNonlinear::TwoPartyNonlinear(net::Transport& transport, PeerOts& peer, crypto::Prg& private_prg)
    : transport_(transport), peer_(peer), private_prg_(private_prg), me_(transport.party()), peer_party_(1 - me_) {}

void TwoPartyNonlinear::swap_with_peer(std::span<const uint8_t> sent, std::span<uint8_t> received) {
  transport_.exchange(std::array{net::Outgoing{peer_party_, sent}}, std::array{net::Incoming{peer_party_, received}});
}

TwoPartyNonlinear::Preprocessed TwoPartyNonlinear::preprocess(std::span<const uint64_t> mine, unsigned width,
                                                              std::size_t gates, std::size_t products) {
  const std::size_t n = mine.size();
  const unsigned digits = digit_count(width);
  const unsigned k = peer_.pair.sender.field_bits();
  auto extension_bytes = [k](std::size_t count) { return ot::CorrelatedOtSender::message_bytes(count, k); };
  Preprocessed pre;
  pre.triple_a.resize(n * gates), pre.triple_b.resize(n * gates), pre.triple_c.assign(n * gates, 0);
  pre.product_rho.resize(n * products), pre.product_share.resize(n * products);
  pre.greater.resize(n * digits), pre.equal.resize(n * digits);
  std::size_t table_bits = 0;  // party 0's tables: 2 bits per value of each digit
  std::vector<std::size_t> table_offset(digits + 1, 0);  // per value, where digit d's entries start
  for (unsigned d = 0; d < digits; ++d) table_offset[d + 1] = table_offset[d] + 2 * (std::size_t{1} << digit_width(width, d));
  table_bits = n * table_offset[digits];
  const std::vector<uint8_t> widths(kChunkValues * products, 64);  // bit products: full-ring correlated OTs

  // Values go through the OTs in chunks (both parties cut them alike), so the OT
  // matrices stay small; only a few bits per value outlive a chunk.
  auto for_each_chunk = [n](auto body) {
    for (std::size_t first = 0; first < n; first += kChunkValues) body(first, std::min(n, first + kChunkValues));
  };
  std::vector<uint8_t> sent, received;
  std::vector<uint64_t> choices, keys, m0, m1;
  std::vector<ot::Block> blocks;
  // This party receives `count` random OTs; the extension message joins `sent`.
  auto receive_ots = [&](std::size_t count) {
    const std::size_t at = sent.size();
    sent.resize(at + extension_bytes(count));
    choices.assign(ot::words_for_bits(count), 0);
    blocks.resize(count);
    peer_.pair.receiver.extend(count, std::span(sent).subspan(at), choices, blocks);
  };
  std::size_t read = 0;
  auto send_ots = [&](std::size_t count) {
    blocks.resize(count);
    peer_.pair.sender.extend(count, std::span<const uint8_t>(received).subspan(read, extension_bytes(count)), blocks);
    read += extension_bytes(count);
  };
  const ot::Block delta = peer_.pair.sender.delta();
  // AND triples from random OT: with (m_0, m_1) at the sender and (u, m_u) at the
  // receiver, u (m_0 ^ m_1) = m_u ^ m_0, an XOR sharing of a_receiver * b_sender (ABY,
  // Demmler-Schneider-Zohner, NDSS 2015, §III-B). Each party receives one OT per triple
  // (its a) and sends one (its b).
  auto gate_receiver = [&](std::size_t first, std::size_t count) {
    receive_ots(count);
    keys.resize(count);
    ot::receiver_random(blocks, choices, peer_.take_receiver_tweaks(count), keys);
    for (std::size_t g = 0; g < count; ++g) {
      pre.triple_a[first + g] = ot::get_bit(choices, g);
      pre.triple_c[first + g] ^= keys[g] & 1;
    }
  };
  auto gate_sender = [&](std::size_t first, std::size_t count) {
    send_ots(count);
    m0.resize(count), m1.resize(count);
    ot::sender_random(blocks, delta, peer_.take_sender_tweaks(count), m0, m1);
    for (std::size_t g = 0; g < count; ++g) {
      pre.triple_b[first + g] = (m0[g] ^ m1[g]) & 1;
      pre.triple_c[first + g] ^= (m0[g] & 1) ^ (pre.triple_a[first + g] & pre.triple_b[first + g]);
    }
  };

  if (me_ == 1) {
    // Round 1, party 1: per chunk, its leaf OTs (one per bit of b), triple OTs and bit
    // product OTs; then the corrections that make the leaf OTs choose b's bits (Beaver's
    // derandomisation). It hashes its digit pads right away.
    std::vector<uint8_t> corrections(ot::bytes_for_bits(n * width), 0);
    std::vector<uint8_t> pads(n * digits);
    std::vector<uint64_t> product_hash(n * products);
    for_each_chunk([&](std::size_t first, std::size_t last) {
      const std::size_t count = last - first, leaf_ots = count * width;
      receive_ots(leaf_ots);
      keys.resize(leaf_ots);
      const uint64_t leaf_tweaks = peer_.take_receiver_tweaks(leaf_ots);
      ot::receiver_random(blocks, choices, leaf_tweaks, keys);
      const uint64_t pad_tweaks = peer_.take_receiver_tweaks(count * digits * kDigitValues);
      for (std::size_t v = first; v < last; ++v)
        for (unsigned d = 0; d < digits; ++d) {
          const unsigned w = digit_width(width, d);
          const unsigned b_digit = static_cast<unsigned>(mine[v] >> (kDigitBits * d)) & ((1u << w) - 1);
          const std::size_t leaf = (v - first) * width + kDigitBits * d;
          for (unsigned i = 0; i < w; ++i) {
            const std::size_t bit = v * width + kDigitBits * d + i;
            if (ot::get_bit(choices, leaf + i) != ((b_digit >> i) & 1)) corrections[bit / 8] |= uint8_t(1 << (bit % 8));
          }
          auto own_key = [&](unsigned i, unsigned) { return keys[leaf + i]; };
          const ot::Block pad = ot::correlation_robust_hash(
              digit_key(w, b_digit, own_key), pad_tweaks + ((v - first) * digits + d) * kDigitValues + b_digit);
          pads[v * digits + d] = static_cast<uint8_t>(pad.low & 3);
        }
      gate_receiver(first * gates, count * gates);
      receive_ots(count * products);
      ot::receiver_hash(blocks, std::span(widths).first(count * products), peer_.take_receiver_tweaks(count * products),
                        std::span(product_hash).subspan(first * products, count * products));
      for (std::size_t p = 0; p < count * products; ++p) pre.product_rho[first * products + p] = ot::get_bit(choices, p);
    });
    sent.insert(sent.end(), corrections.begin(), corrections.end());
    std::size_t peer_sends = 0;
    for_each_chunk([&](std::size_t first, std::size_t last) { peer_sends += extension_bytes((last - first) * gates); });
    received.resize(peer_sends);
    swap_with_peer(sent, received);
    for_each_chunk([&](std::size_t first, std::size_t last) { gate_sender(first * gates, (last - first) * gates); });

    // Round 2, party 1: party 0's product corrections and tables.
    const std::size_t tau_bytes = 8 * n * products;
    std::vector<uint8_t> round_two(tau_bytes + ot::bytes_for_bits(table_bits));
    transport_.receive(peer_party_, round_two);
    std::vector<uint64_t> rho_words(ot::words_for_bits(n * products), 0);
    for (std::size_t p = 0; p < n * products; ++p) rho_words[p / 64] |= uint64_t{pre.product_rho[p]} << (p % 64);
    const std::vector<uint8_t> all_widths(n * products, 64);
    ot::receiver_finish(product_hash, rho_words, std::span<const uint8_t>(round_two).first(tau_bytes), all_widths,
                        pre.product_share);
    const std::span<const uint8_t> table = std::span<const uint8_t>(round_two).subspan(tau_bytes);
    for (std::size_t v = 0; v < n; ++v)
      for (unsigned d = 0; d < digits; ++d) {
        const unsigned w = digit_width(width, d);
        const unsigned b_digit = static_cast<unsigned>(mine[v] >> (kDigitBits * d)) & ((1u << w) - 1);
        const std::size_t at = v * table_offset[digits] + table_offset[d] + 2 * b_digit;
        pre.greater[d * n + v] = bit_at(table, at) ^ (pads[v * digits + d] & 1);
        pre.equal[d * n + v] = bit_at(table, at + 1) ^ (pads[v * digits + d] >> 1);
      }
    return pre;
  }

  // Round 1, party 0: its triple OTs as receiver.
  for_each_chunk([&](std::size_t first, std::size_t last) { gate_receiver(first * gates, (last - first) * gates); });
  std::size_t peer_sends = ot::bytes_for_bits(n * width);
  for_each_chunk([&](std::size_t first, std::size_t last) {
    const std::size_t count = last - first;
    peer_sends += extension_bytes(count * width) + extension_bytes(count * gates) + extension_bytes(count * products);
  });
  received.resize(peer_sends);
  swap_with_peer(sent, received);

  // As sender, per chunk: the digit tables — for each value c of party 1's digit, party
  // 0's random share r ^ [a_d > c] and r' ^ [a_d == c] under the pad of c — then the
  // triples, then the bit products rho_0 * rho_1 (Gilboa with a one-bit correlation).
  const std::span<const uint8_t> corrections = std::span<const uint8_t>(received).last(ot::bytes_for_bits(n * width));
  const std::size_t tau_bytes = 8 * n * products;
  std::vector<uint8_t> round_two(tau_bytes + ot::bytes_for_bits(table_bits), 0);
  const std::span<uint8_t> table = std::span(round_two).subspan(tau_bytes);
  std::vector<uint64_t> random_words;
  std::vector<ot::Block> pad_inputs, pads;
  std::vector<uint64_t> rho, x;
  for_each_chunk([&](std::size_t first, std::size_t last) {
    const std::size_t count = last - first, leaf_ots = count * width;
    send_ots(leaf_ots);
    m0.resize(leaf_ots), m1.resize(leaf_ots);
    ot::sender_random(blocks, delta, peer_.take_sender_tweaks(leaf_ots), m0, m1);
    const uint64_t pad_tweaks = peer_.take_sender_tweaks(count * digits * kDigitValues);
    pad_inputs.assign(count * digits * kDigitValues, ot::Block{0, 0});
    for (std::size_t v = first; v < last; ++v)
      for (unsigned d = 0; d < digits; ++d) {
        const unsigned w = digit_width(width, d);
        const std::size_t leaf = (v - first) * width + kDigitBits * d, bit = v * width + kDigitBits * d;
        auto key_of = [&](unsigned i, unsigned c) {  // K'_{i,c} = K_{i, c ^ correction_i}
          return (c ^ bit_at(corrections, bit + i)) ? m1[leaf + i] : m0[leaf + i];
        };
        for (unsigned c = 0; c < (1u << w); ++c)
          pad_inputs[((v - first) * digits + d) * kDigitValues + c] = digit_key(w, c, key_of);
      }
    pads.resize(pad_inputs.size());
    ot::correlation_robust_hash(pad_inputs, ot::Block{0, 0}, pad_tweaks, pads);
    random_words.resize(ot::words_for_bits(2 * count * digits));
    private_prg_.fill(std::span<uint64_t>(random_words));
    for (std::size_t v = first; v < last; ++v)
      for (unsigned d = 0; d < digits; ++d) {
        const unsigned w = digit_width(width, d);
        const unsigned a_digit = static_cast<unsigned>(mine[v] >> (kDigitBits * d)) & ((1u << w) - 1);
        const std::size_t r = 2 * ((v - first) * digits + d);
        const uint8_t greater = ot::get_bit(random_words, r), equal = ot::get_bit(random_words, r + 1);
        pre.greater[d * n + v] = greater, pre.equal[d * n + v] = equal;
        std::size_t at = v * table_offset[digits] + table_offset[d];
        for (unsigned c = 0; c < (1u << w); ++c, at += 2) {
          const uint64_t pad = pads[((v - first) * digits + d) * kDigitValues + c].low;
          if ((greater ^ (a_digit > c) ^ pad) & 1) table[at / 8] |= uint8_t(1 << (at % 8));
          if ((equal ^ (a_digit == c) ^ (pad >> 1)) & 1) table[(at + 1) / 8] |= uint8_t(1 << ((at + 1) % 8));
        }
      }
    gate_sender(first * gates, count * gates);
    const std::size_t product_ots = count * products;
    send_ots(product_ots);
    random_words.resize(ot::words_for_bits(product_ots));
    private_prg_.fill(std::span<uint64_t>(random_words));
    rho.resize(product_ots), x.resize(product_ots);
    for (std::size_t p = 0; p < product_ots; ++p) rho[p] = pre.product_rho[first * products + p] = ot::get_bit(random_words, p);
    ot::sender_correlate(blocks, delta, rho, std::span(widths).first(product_ots), peer_.take_sender_tweaks(product_ots),
                         std::span(round_two).subspan(8 * first * products, 8 * product_ots), x);
    for (std::size_t p = 0; p < product_ots; ++p) pre.product_share[first * products + p] = 0 - x[p];
  });
  transport_.send(peer_party_, round_two);
  return pre;
}

void TwoPartyNonlinear::and_gates(std::span<const uint8_t> x, std::span<const uint8_t> y, std::span<uint8_t> z,
                                  Preprocessed& pre, std::size_t& next) {
  // Beaver's AND: open d = x ^ a and e = y ^ b; z = c ^ d b ^ e a ^ d e (the last by
  // party 0). One round, two bits per gate each way.
  const std::size_t count = x.size();
  Bits masked(2 * count);
  for (std::size_t g = 0; g < count; ++g) {
    masked[g] = x[g] ^ pre.triple_a[next + g];
    masked[count + g] = y[g] ^ pre.triple_b[next + g];
  }
  std::vector<uint8_t> sent(ot::bytes_for_bits(2 * count)), received(sent.size());
  pack_bits(masked, sent);
  swap_with_peer(sent, received);
  for (std::size_t g = 0; g < count; ++g) {
    const uint8_t d = masked[g] ^ bit_at(received, g), e = masked[count + g] ^ bit_at(received, count + g);
    z[g] = pre.triple_c[next + g] ^ (d & pre.triple_b[next + g]) ^ (e & pre.triple_a[next + g]) ^ (me_ == 0 ? d & e : 0);
  }
  next += count;
}

TwoPartyNonlinear::Bits TwoPartyNonlinear::compare(std::span<const uint64_t> mine, unsigned width, bool equality,
                                                   std::size_t products, Preprocessed& pre) {
  const std::size_t n = mine.size();
  unsigned digits = digit_count(width);
  pre = preprocess(mine, width, gate_count(digits, equality), products);
  if (digits == 0) return Bits(n, equality && me_ == 0 ? 1 : 0);  // empty numbers are equal
  Bits greater = std::move(pre.greater), equal = std::move(pre.equal);
  std::size_t next = 0;
  while (digits > 1) {
    const unsigned pairs = digits / 2, up = pairs + digits % 2;
    // Inputs of this level's gates: E_hi & G_lo (unless equality only), then E_hi & E_lo.
    Bits left, right;
    const int terms = equality ? 1 : 2;
    for (int term = 0; term < terms; ++term)
      for (unsigned j = 0; j < pairs; ++j) {
        const auto hi = equal.begin() + (2 * j + 1) * n;
        left.insert(left.end(), hi, hi + static_cast<std::ptrdiff_t>(n));
        const Bits& low_source = (term == 0 && !equality) ? greater : equal;
        const auto lo = low_source.begin() + 2 * j * n;
        right.insert(right.end(), lo, lo + static_cast<std::ptrdiff_t>(n));
      }
    Bits z(left.size());
    and_gates(left, right, z, pre, next);
    Bits next_greater(equality ? 0 : up * n), next_equal(up * n);
    for (unsigned j = 0; j < pairs; ++j)
      for (std::size_t v = 0; v < n; ++v) {
        if (!equality) next_greater[j * n + v] = greater[(2 * j + 1) * n + v] ^ z[j * n + v];
        next_equal[j * n + v] = z[(terms - 1) * pairs * n + j * n + v];
      }
    if (digits % 2) {  // the top digit has no partner: it moves up unchanged
      if (!equality) std::copy_n(greater.begin() + (digits - 1) * n, n, next_greater.begin() + pairs * n);
      std::copy_n(equal.begin() + (digits - 1) * n, n, next_equal.begin() + pairs * n);
    }
    greater = std::move(next_greater), equal = std::move(next_equal);
    digits = up;
  }
  Bits result = equality ? std::move(equal) : std::move(greater);
  result.resize(n);
  return result;
}

std::vector<std::vector<uint64_t>> TwoPartyNonlinear::private_bit_products(std::span<const Bits> columns,
                                                                           const Preprocessed& pre,
                                                                           std::size_t products) {
  // With e_i = z_i ^ rho_i opened, z_i = e_i + (1 - 2 e_i) rho_i, so z_0 z_1 is linear in
  // rho_0, rho_1 and rho_0 rho_1, whose shares are precomputed (Beaver's trick on bits).
  const std::size_t n = columns.empty() ? 0 : columns[0].size();
  const std::size_t count = columns.size() * n;
  Bits masked(count);
  for (std::size_t c = 0; c < columns.size(); ++c)
    for (std::size_t v = 0; v < n; ++v) masked[c * n + v] = columns[c][v] ^ pre.product_rho[v * products + c];
  std::vector<uint8_t> sent(ot::bytes_for_bits(count)), received(sent.size());
  pack_bits(masked, sent);
  swap_with_peer(sent, received);
  std::vector<std::vector<uint64_t>> shares(columns.size(), std::vector<uint64_t>(n));
  for (std::size_t c = 0; c < columns.size(); ++c)
    for (std::size_t v = 0; v < n; ++v) {
      const uint64_t mine = masked[c * n + v], theirs = bit_at(received, c * n + v);
      const uint64_t e0 = me_ == 0 ? mine : theirs, e1 = me_ == 0 ? theirs : mine;
      const uint64_t sign0 = 1 - 2 * e0, sign1 = 1 - 2 * e1;  // 1 or -1 (mod 2^64)
      const std::size_t p = v * products + c;
      const uint64_t rho = pre.product_rho[p];
      shares[c][v] = sign0 * sign1 * pre.product_share[p] + (me_ == 0 ? e0 * e1 + e1 * sign0 * rho : e0 * sign1 * rho);
    }
  return shares;
}

void TwoPartyNonlinear::ltz(std::span<uint64_t> out, std::span<const uint64_t> x, unsigned bits) {
  const std::size_t n = x.size();
  const unsigned k = bits - 1;
  std::vector<uint64_t> mine(n);
  Bits z(n);
  for (std::size_t v = 0; v < n; ++v) {
    const uint64_t shifted = x[v] + (me_ == 0 ? uint64_t{1} << k : 0);  // x' = x + 2^(bits-1)
    mine[v] = me_ == 0 ? low_bits(shifted, k) : low_bits(~shifted, k);  // a, or b = 2^k - 1 - low
    z[v] = static_cast<uint8_t>((shifted >> k & 1) ^ (me_ == 0 ? 1 : 0));  // NOT bit k, once
  }
  Preprocessed pre;
  const Bits carry = compare(mine, k, false, 1, pre);
  for (std::size_t v = 0; v < n; ++v) z[v] ^= carry[v];
  const Bits columns[] = {z};
  const auto products = private_bit_products(columns, pre, 1);
  for (std::size_t v = 0; v < n; ++v) out[v] = z[v] - 2 * products[0][v];  // z_0 + z_1 - 2 z_0 z_1
}

void TwoPartyNonlinear::eqz(std::span<uint64_t> out, std::span<const uint64_t> x, unsigned bits) {
  const std::size_t n = x.size();
  std::vector<uint64_t> mine(n);
  for (std::size_t v = 0; v < n; ++v) mine[v] = low_bits(me_ == 0 ? x[v] : 0 - x[v], bits);
  Preprocessed pre;
  const Bits equal = compare(mine, bits, true, 1, pre);
  const Bits columns[] = {equal};
  const auto products = private_bit_products(columns, pre, 1);
  for (std::size_t v = 0; v < n; ++v) out[v] = equal[v] - 2 * products[0][v];
}

void TwoPartyNonlinear::trunc(std::span<uint64_t> out, std::span<const uint64_t> x, unsigned m, unsigned bits) {
  const std::size_t n = x.size();
  std::vector<uint64_t> low(n), full(n), high(n);
  Bits top(n);
  for (std::size_t v = 0; v < n; ++v) {
    const uint64_t shifted = x[v] + (me_ == 0 ? uint64_t{1} << (bits - 1) : 0);
    high[v] = shifted >> m;
    low[v] = me_ == 0 ? low_bits(shifted, m) : low_bits(~shifted, m);
    full[v] = me_ == 0 ? shifted : ~shifted;
    top[v] = static_cast<uint8_t>(shifted >> 63);
  }
  Preprocessed pre;
  const std::size_t products = bits <= 63 ? 2 : 1;  // carry's, and below 64 bits the wrap's
  const Bits carry = compare(low, m, false, products, pre);
  std::vector<uint64_t> wrap_share(n);
  if (bits <= 63) {
    // x' < 2^63, so the shares wrap exactly when either has its top bit set.
    const Bits columns[] = {carry, top};
    const auto products = private_bit_products(columns, pre, 2);
    for (std::size_t v = 0; v < n; ++v) {
      out[v] = carry[v] - 2 * products[0][v];              // carry_0 XOR carry_1
      wrap_share[v] = top[v] - products[1][v];             // top_0 OR top_1
    }
  } else {
    // A full 64-bit x': whether the shares wrap is a comparison of its own,
    // [x'_0 > 2^64 - 1 - x'_1].
    const Bits carry_columns[] = {carry};
    const auto carry_products = private_bit_products(carry_columns, pre, 1);
    Preprocessed wrap_pre;
    const Bits wrap = compare(full, 64, false, 1, wrap_pre);
    const Bits wrap_columns[] = {wrap};
    const auto wrap_products = private_bit_products(wrap_columns, wrap_pre, 1);
    for (std::size_t v = 0; v < n; ++v) {
      out[v] = carry[v] - 2 * carry_products[0][v];
      wrap_share[v] = wrap[v] - 2 * wrap_products[0][v];
    }
  }
  const uint64_t offset = me_ == 0 ? uint64_t{1} << (bits - 1 - m) : 0;
  for (std::size_t v = 0; v < n; ++v) out[v] = high[v] + out[v] - (wrap_share[v] << (64 - m)) - offset;
}

}  // namespace mpvm::protocols::semi2k
