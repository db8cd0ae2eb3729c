// bench_ot: the throughput of protocols/ot with two parties as threads over the in-memory
// transport (see bench/README.md and protocols/ot/README.md). Prints four tables:
//   kernels    one thread: transposition, the correlation-robust hash, AES-CTR;
//   setup      setup_ot_pair per k: wall time, bytes sent per party, rounds;
//   extension  random correlated OTs, one direction (party 0 receiver, party 1 sender),
//              in rounds of 2^20 OTs: OTs per second of wall time and per second of
//              each party's thread CPU time, bytes per OT;
//   triples    Gilboa cross terms of N products in both directions at once, as a Beaver-
//              triple generator runs them: OT extension, hashing, the 260-byte messages;
//              wall and CPU time, bytes sent per party, rounds, peak resident memory.
//
// Usage: bench_ot [--k K]... [--ots LOG2]... [--products N] [--per-round N]
//                 [--only kernels|setup|extension|triples]
// (defaults: k = 1 2 4 8, 2^20 2^22 2^24 OTs, 10^6 products, 2^16 products per round).
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "protocols/crypto/prg.h"
#include "protocols/net/memory_transport.h"
#include "protocols/ot/aes_ctr.h"
#include "protocols/ot/correlation_robust_hash.h"
#include "protocols/ot/gilboa.h"
#include "protocols/ot/ot_setup.h"
#include "protocols/ot/softspoken.h"
#include "protocols/ot/transpose.h"

namespace mpvm::ot {
namespace {

constexpr std::size_t kPiece = std::size_t{1} << 20;  // OTs per round; 16 MiB of blocks per side

double thread_cpu_seconds() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

double peak_resident_mib() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

struct PartyFigures {
  double wall = 0, cpu = 0;
  protocols::CommunicationCounters counters;
};

// Runs body(party, transport) on two threads; the figures cover the part of body after
// it calls `start()` (the setup before it is excluded).
std::array<PartyFigures, 2> run_two_parties(
    const std::function<void(int, net::Transport&, const std::function<void()>& start)>& body) {
  net::MemoryNetwork network(2, 600);
  std::array<PartyFigures, 2> figures;
  std::vector<std::thread> threads;
  for (int party = 0; party < 2; ++party) {
    threads.emplace_back([&, party] {
      std::unique_ptr<net::Transport> transport = network.transport(party);
      std::chrono::steady_clock::time_point wall_start;
      double cpu_start = 0;
      const std::function<void()> start = [&] {
        transport->set_phase(net::Phase::offline);
        wall_start = std::chrono::steady_clock::now();
        cpu_start = thread_cpu_seconds();
      };
      body(party, *transport, start);
      figures[party].wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
      figures[party].cpu = thread_cpu_seconds() - cpu_start;
      figures[party].counters = transport->counters(net::Phase::offline);
    });
  }
  for (std::thread& t : threads) t.join();
  return figures;
}

// Single-thread kernels on 2^20 items, repeated: nanoseconds per item of thread CPU time.
void bench_kernels() {
  constexpr std::size_t kItems = std::size_t{1} << 20, kRepeats = 8;
  auto per_item_ns = [&](const std::function<void()>& work) {
    work();  // warm up: page faults, caches
    const double start = thread_cpu_seconds();
    for (std::size_t r = 0; r < kRepeats; ++r) work();
    return 1e9 * (thread_cpu_seconds() - start) / static_cast<double>(kRepeats * kItems);
  };
  crypto::Prg prg(crypto::random_key());
  std::vector<Block> blocks(kItems), hashes(kItems);
  prg.fill(net::as_writable_bytes(std::span(blocks)));
  // Rows as OT extension lays them out: chunks of kExtendChunk OTs, padded stride.
  const std::size_t words = kExtendChunk / 64, stride = words + 8;
  std::vector<uint64_t> rows(kRowsPerBlock * stride);
  prg.fill(rows);
  fmt::print("\nKernels, one thread, ns per item\n| kernel | ns |\n| --- | ---: |\n");
  fmt::print("| transpose 128 rows → blocks, per OT, output in L2 | {:.2f} |\n", per_item_ns([&] {
               for (std::size_t start = 0; start < kItems; start += kExtendChunk)
                 transpose_rows_to_blocks(rows, stride, kExtendChunk, std::span(blocks).first(kExtendChunk));
             }));
  fmt::print("| transpose 128 rows → blocks, per OT, output to DRAM | {:.2f} |\n", per_item_ns([&] {
               for (std::size_t start = 0; start < kItems; start += kExtendChunk)
                 transpose_rows_to_blocks(rows, stride, kExtendChunk, std::span(blocks).subspan(start, kExtendChunk));
             }));
  fmt::print("| correlation-robust hash, per block | {:.2f} |\n",
             per_item_ns([&] { correlation_robust_hash(blocks, Block{}, 0, hashes); }));
  const double prg_ns = per_item_ns([&] { prg.fill(net::as_writable_bytes(std::span(hashes))); });
  fmt::print("| AES-128-CTR (crypto::Prg), per 16-byte block ({:.1f} GB/s) | {:.2f} |\n", 16 / prg_ns, prg_ns);
  // As OT extension draws it: one chunk's worth (kExtendChunk bits) per call.
  const std::span<uint8_t> stream = net::as_writable_bytes(std::span(hashes));
  const double piece_ns = per_item_ns([&] {
    for (std::size_t at = 0; at < stream.size(); at += kExtendChunk / 8) prg.fill(stream.subspan(at, kExtendChunk / 8));
  });
  fmt::print("| the same in calls of {} bytes ({:.1f} GB/s) | {:.2f} |\n", kExtendChunk / 8, 16 / piece_ns, piece_ns);
  AesCtrStream leaf_stream(Block{1, 2});
  const double leaf_ns = per_item_ns([&] {
    for (std::size_t at = 0; at < stream.size(); at += kExtendChunk / 8)
      leaf_stream.fill(stream.data() + at, kExtendChunk / 128);
  });
  fmt::print("| AES-128-CTR (aes_ctr.h, the leaf streams) in calls of {} bytes ({:.1f} GB/s) | {:.2f} |\n",
             kExtendChunk / 8, 16 / leaf_ns, leaf_ns);
}

void bench_setup(const std::vector<unsigned>& ks) {
  fmt::print("\nsetup_ot_pair (both directions, one peer)\n");
  fmt::print("| k | wall (ms) | bytes sent per party | rounds |\n| ---: | ---: | ---: | ---: |\n");
  for (unsigned k : ks) {
    const auto figures = run_two_parties([&](int party, net::Transport& transport, const auto& start) {
      start();  // the setup itself is what is measured here
      setup_ot_pair(transport, 1 - party, k);
    });
    fmt::print("| {} | {:.1f} | {} | {} |\n", k, 1e3 * std::max(figures[0].wall, figures[1].wall),
               figures[0].counters.bytes_sent, figures[0].counters.rounds);
  }
}

void bench_extension(const std::vector<unsigned>& ks, const std::vector<unsigned>& log2_counts) {
  fmt::print("\nCorrelated OT extension, one direction, rounds of 2^20 OTs\n");
  fmt::print(
      "| k | OTs | wall (s) | OTs/s (wall) | receiver OTs/s (CPU) | sender OTs/s (CPU) | bytes per OT |\n"
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (unsigned k : ks) {
    for (unsigned log2_count : log2_counts) {
      const std::size_t count = std::size_t{1} << log2_count;
      const auto figures = run_two_parties([&](int party, net::Transport& transport, const auto& start) {
        OtPair pair = setup_ot_pair(transport, 1 - party, k);
        std::vector<uint8_t> message(CorrelatedOtSender::message_bytes(kPiece, k));
        std::vector<Block> blocks(kPiece);
        std::vector<uint64_t> choices(words_for_bits(kPiece));
        start();
        for (std::size_t done = 0; done < count; done += kPiece) {
          if (party == 0) {
            pair.receiver.extend(kPiece, message, choices, blocks);
            transport.send(1, message);
          } else {
            transport.receive(0, message);
            pair.sender.extend(kPiece, message, blocks);
          }
        }
      });
      const double wall = std::max(figures[0].wall, figures[1].wall);
      fmt::print("| {} | 2^{} | {:.3f} | {:.3g} | {:.3g} | {:.3g} | {:.2f} |\n", k, log2_count, wall,
                 static_cast<double>(count) / wall, static_cast<double>(count) / figures[0].cpu,
                 static_cast<double>(count) / figures[1].cpu,
                 static_cast<double>(figures[0].counters.bytes_sent) / static_cast<double>(count));
    }
  }
}

// The Beaver-triple pattern: per round pair, `products_per_round` products in each
// direction. The OTs are produced and consumed kExtendChunk at a time (256 products), so
// q and t never leave L2 and are never stored: the receiver keeps one partial share and
// one choice word per product, the sender its share.
void bench_triples(const std::vector<unsigned>& ks, std::size_t products, std::size_t products_per_round) {
  constexpr std::size_t kSubProducts = kExtendChunk / kGilboaOtsPerProduct;
  fmt::print("\nGilboa cross terms of {} products in each direction at once, {} products per round pair\n", products,
             products_per_round);
  fmt::print(
      "| k | wall (s) | CPU party 0 (s) | CPU party 1 (s) | bytes sent per party | of which OT extension | rounds "
      "|\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (unsigned k : ks) {
    std::size_t extension_bytes = 0;
    const auto figures = run_two_parties([&](int party, net::Transport& transport, const auto& start) {
      const int peer = 1 - party;
      OtPair pair = setup_ot_pair(transport, peer, k);
      std::mt19937_64 rng(static_cast<uint64_t>(party));
      const std::size_t round_ots = products_per_round * kGilboaOtsPerProduct;
      std::vector<uint8_t> my_extension(CorrelatedOtSender::message_bytes(round_ots, k)),
          their_extension(my_extension.size());
      std::vector<uint8_t> my_products(gilboa_message_bytes(products_per_round)), their_products(my_products.size());
      std::vector<Block> blocks(kExtendChunk);
      std::vector<uint64_t> a(products_per_round), b(products_per_round), sender_share(products_per_round),
          receiver_share(products_per_round);
      uint64_t checksum = 0;
      start();
      for (std::size_t done = 0; done < products; done += products_per_round) {
        const std::size_t n = std::min(products_per_round, products - done);
        const std::size_t extension = CorrelatedOtSender::message_bytes(n * kGilboaOtsPerProduct, k);
        for (std::size_t p = 0; p < n; ++p) b[p] = rng();
        const uint64_t tweak_base = done * kGilboaOtsPerProduct;
        // Round 1: OT extension in both directions; as receiver, hash each piece at once.
        for (std::size_t p = 0; p < n; p += kSubProducts) {
          const std::size_t m = std::min(kSubProducts, n - p), ots = m * kGilboaOtsPerProduct;
          pair.receiver.extend(ots,
                               std::span(my_extension)
                                   .subspan(CorrelatedOtSender::message_bytes(p * kGilboaOtsPerProduct, k),
                                            CorrelatedOtSender::message_bytes(ots, k)),
                               std::span(a).subspan(p, m), std::span(blocks).first(ots));
          gilboa_receiver_hash(std::span(blocks).first(ots), tweak_base + p * kGilboaOtsPerProduct,
                               std::span(receiver_share).subspan(p, m));
        }
        transport.exchange(std::array{net::Outgoing{peer, std::span(my_extension).first(extension)}},
                           std::array{net::Incoming{peer, std::span(their_extension).first(extension)}});
        if (party == 0) extension_bytes += extension + 8;
        // Round 2: as sender, extend and answer each piece.
        for (std::size_t p = 0; p < n; p += kSubProducts) {
          const std::size_t m = std::min(kSubProducts, n - p), ots = m * kGilboaOtsPerProduct;
          pair.sender.extend(ots,
                             std::span(their_extension)
                                 .subspan(CorrelatedOtSender::message_bytes(p * kGilboaOtsPerProduct, k),
                                          CorrelatedOtSender::message_bytes(ots, k)),
                             std::span(blocks).first(ots));
          gilboa_sender(std::span(blocks).first(ots), pair.sender.delta(), std::span(b).subspan(p, m),
                        tweak_base + p * kGilboaOtsPerProduct,
                        std::span(my_products).subspan(gilboa_message_bytes(p), gilboa_message_bytes(m)),
                        std::span(sender_share).subspan(p, m));
        }
        transport.exchange(std::array{net::Outgoing{peer, std::span(my_products).first(gilboa_message_bytes(n))}},
                           std::array{net::Incoming{peer, std::span(their_products).first(gilboa_message_bytes(n))}});
        gilboa_receiver_finish(std::span(a).first(n), std::span(their_products).first(gilboa_message_bytes(n)),
                               std::span(receiver_share).first(n));
        for (std::size_t p = 0; p < n; ++p) checksum += sender_share[p] + receiver_share[p];
      }
      if (checksum == 42) std::puts("");  // keeps the work observable
    });
    fmt::print("| {} | {:.2f} | {:.2f} | {:.2f} | {} | {} | {} |\n", k, std::max(figures[0].wall, figures[1].wall),
               figures[0].cpu, figures[1].cpu, figures[0].counters.bytes_sent, extension_bytes,
               figures[0].counters.rounds);
  }
  fmt::print("Peak resident memory of the process so far (both parties, the in-memory network's queues): {:.0f} MiB\n",
             peak_resident_mib());
}

}  // namespace
}  // namespace mpvm::ot

int main(int argc, char** argv) {
  std::vector<unsigned> ks, log2_counts;
  std::size_t products = 1000000, products_per_round = 1 << 16;
  std::string mode = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(1);
      }
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (arg == "--k") {
      ks.push_back(static_cast<unsigned>(next()));
    } else if (arg == "--ots") {
      log2_counts.push_back(static_cast<unsigned>(next()));
    } else if (arg == "--products") {
      products = next();
    } else if (arg == "--per-round") {
      products_per_round = next();
    } else if (arg == "--only" && i + 1 < argc) {
      mode = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: bench_ot [--k K]... [--ots LOG2]... [--products N] [--per-round N] "
                   "[--only kernels|setup|extension|triples]\n");
      return 1;
    }
  }
  if (ks.empty()) ks = {1, 2, 4, 8};
  if (log2_counts.empty()) log2_counts = {20, 22, 24};
  if (mode == "all" || mode == "kernels") mpvm::ot::bench_kernels();
  if (mode == "all" || mode == "setup") mpvm::ot::bench_setup(ks);
  if (mode == "all" || mode == "extension") mpvm::ot::bench_extension(ks, log2_counts);
  if (mode == "all" || mode == "triples") mpvm::ot::bench_triples(ks, products, products_per_round);
  return 0;
}
