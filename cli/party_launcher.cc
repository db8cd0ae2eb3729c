#include "cli/party_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/format.h"
#include "protocols/crypto/hash.h"
#include "protocols/net/tcp_transport.h"

namespace mpvm::cli {
namespace {

// Records a party process writes to the launcher, over a pipe:
//   'O' u64 sequence, u32 length, text    (what the program printed at this party)
//   'R' u32 length, JSON                  (the party's report, at the end)
constexpr char kOutputRecord = 'O';
constexpr char kReportRecord = 'R';

void write_all(int fd, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(fmt::format("cannot write to the launcher: {}", std::strerror(errno)));
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

// A party process's program output: framed records for the launcher to merge.
class PipeOutput final : public vm::ProgramOutput {
 public:
  explicit PipeOutput(int fd) : fd_(fd) {}
  void write(uint64_t sequence, std::string_view text) override {
    std::string record(1, kOutputRecord);
    record.append(reinterpret_cast<const char*>(&sequence), 8);
    const auto length = static_cast<uint32_t>(text.size());
    record.append(reinterpret_cast<const char*>(&length), 4);
    record.append(text);
    write_all(fd_, record.data(), record.size());
  }
  void report(const std::string& json) {
    std::string record(1, kReportRecord);
    const auto length = static_cast<uint32_t>(json.size());
    record.append(reinterpret_cast<const char*>(&length), 4);
    record.append(json);
    write_all(fd_, record.data(), record.size());
  }

 private:
  int fd_;
};

// Reassembles one party's records from the bytes its pipe delivers.
struct PartyStream {
  int fd = -1;
  pid_t pid = -1;
  std::string buffer;
  bool open = true;
  std::optional<PartyReport> report;

  void parse(int party, std::vector<std::tuple<uint64_t, int, std::string>>& lines) {
    std::size_t at = 0;
    while (at < buffer.size()) {
      const char type = buffer[at];
      const std::size_t header = type == kOutputRecord ? 13 : 5;
      if (buffer.size() - at < header) break;
      uint32_t length;
      std::memcpy(&length, buffer.data() + at + header - 4, 4);
      if (buffer.size() - at < header + length) break;
      std::string body = buffer.substr(at + header, length);
      if (type == kOutputRecord) {
        uint64_t sequence;
        std::memcpy(&sequence, buffer.data() + at + 1, 8);
        lines.emplace_back(sequence, party, std::move(body));
      } else {
        report = party_report_from_json(nlohmann::json::parse(body));
      }
      at += header + length;
    }
    buffer.erase(0, at);
  }
};

std::string describe_status(int party, int status) {
  if (WIFSIGNALED(status)) return fmt::format("party {} was killed by signal {}", party, WTERMSIG(status));
  return fmt::format("party {} exited with status {}", party, WEXITSTATUS(status));
}

}  // namespace

net::Fingerprint program_fingerprint(const PartySetup& setup, int parties) {
  std::vector<uint8_t> bytes = bytecode::encode(setup.program);
  std::string prefix = fmt::format("mpvm/{}/{}/{}/", setup.backend.name, parties, protocols::name_of(setup.nonlinear));
  // Shaped messages carry an extra stamp: both ends of a connection must agree on shaping.
  if (setup.shaping.active())
    prefix += fmt::format("shaped {} s {} B/s/", setup.shaping.one_way_latency_seconds, setup.shaping.bandwidth_bytes_per_second);
  bytes.insert(bytes.begin(), prefix.begin(), prefix.end());
  return crypto::sha256(bytes);
}

PartyReport run_networked_party(const PartySetup& setup, int party, std::vector<net::Endpoint> hosts,
                                net::FileDescriptor listener, vm::ProgramOutput& output) {
  net::TcpOptions tcp;
  tcp.timeout_seconds = setup.timeout_seconds;
  tcp.fingerprint = program_fingerprint(setup, static_cast<int>(hosts.size()));
  tcp.shaping = setup.shaping;
  net::TcpTransport transport(party, std::move(hosts), std::move(listener), tcp);
  vm::PrivateInputs inputs(setup.inputs_directory);
  PartyReport report;
  report.party = party;
  report.statistics =
      setup.backend.run_party(transport, PartyContext{setup.program, inputs, output, setup.options, setup.nonlinear, setup.deviation});
  for (int p = 0; p < net::kPhaseCount; ++p) {
    report.phases[p] = transport.counters(static_cast<net::Phase>(p));
    report.phase_seconds[p] = transport.seconds(static_cast<net::Phase>(p));
  }
  report.peak_memory_bytes = peak_memory_bytes();
  return report;
}

LocalRun launch_local_parties(const PartySetup& setup, int parties, uint16_t base_port, bool quiet, std::ostream& out) {
  // Every listener is bound before any party starts, so the ports are known and free.
  std::vector<net::FileDescriptor> listeners;
  std::vector<net::Endpoint> hosts;
  for (int party = 0; party < parties; ++party) {
    const uint16_t port = base_port == 0 ? 0 : static_cast<uint16_t>(base_port + party);
    listeners.push_back(net::listen_on("127.0.0.1", port));
    hosts.push_back({"127.0.0.1", net::local_port(listeners.back().get())});
  }

  std::cout.flush();
  std::cerr.flush();
  const pid_t launcher = ::getpid();
  std::vector<PartyStream> streams(static_cast<std::size_t>(parties));
  for (int party = 0; party < parties; ++party) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(fmt::format("pipe: {}", std::strerror(errno)));
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(fmt::format("fork: {}", std::strerror(errno)));
    if (pid == 0) {
      // The party process: dies with the launcher, never outlives it as an orphan.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != launcher) ::_exit(static_cast<int>(ExitCode::network));
      ::close(pipe_fds[0]);
      for (int other = 0; other < parties; ++other)
        if (other != party) listeners[other].reset();
      for (int other = 0; other < party; ++other) ::close(streams[other].fd);
      int code = 0;
      try {
        PipeOutput output(pipe_fds[1]);
        const PartyReport report = run_networked_party(setup, party, hosts, std::move(listeners[party]), output);
        output.report(to_json(report).dump());
        if (!quiet) std::cerr << summary_line(setup.backend.name, report, false);
      } catch (const Error& e) {
        std::cerr << fmt::format("mpvm: error: party {}: {}\n", party, e.what());
        code = static_cast<int>(e.exit_code());
      } catch (const std::exception& e) {
        std::cerr << fmt::format("mpvm: error: party {}: {}\n", party, e.what());
        code = static_cast<int>(ExitCode::internal);
      }
      std::cerr.flush();
      ::_exit(code);  // not exit(): the launcher's buffers and handlers are not ours
    }
    ::close(pipe_fds[1]);
    streams[party].fd = pipe_fds[0];
    streams[party].pid = pid;
  }
  listeners.clear();

  // Gather every party's records until all pipes close; note who finished first.
  std::vector<std::tuple<uint64_t, int, std::string>> lines;
  std::vector<int> finish_order;
  std::vector<pollfd> waits;
  std::vector<int> waiting_party;
  char chunk[1 << 16];
  while (finish_order.size() < streams.size()) {
    waits.clear();
    waiting_party.clear();
    for (int party = 0; party < parties; ++party)
      if (streams[party].open) waits.push_back({streams[party].fd, POLLIN, 0}), waiting_party.push_back(party);
    if (::poll(waits.data(), waits.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("poll: {}", std::strerror(errno)));
    }
    for (std::size_t w = 0; w < waits.size(); ++w) {
      if (waits[w].revents == 0) continue;
      const int party = waiting_party[w];
      PartyStream& s = streams[party];
      const ssize_t n = ::read(s.fd, chunk, sizeof chunk);
      if (n > 0) {
        s.buffer.append(chunk, static_cast<std::size_t>(n));
        s.parse(party, lines);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        s.open = false;
        ::close(s.fd);
        finish_order.push_back(party);
      }
    }
  }

  LocalRun run;
  std::vector<int> statuses(static_cast<std::size_t>(parties));
  for (int party = 0; party < parties; ++party) ::waitpid(streams[party].pid, &statuses[party], 0);
  for (int party : finish_order) {
    const int status = statuses[party];
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && run.exit_code == 0) {
      run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : static_cast<int>(ExitCode::network);
      run.failure = describe_status(party, status);
    }
  }
  for (PartyStream& s : streams)
    if (s.report) run.reports.push_back(*s.report);

  // Print in program order: the sequence number of the printing instruction.
  std::stable_sort(lines.begin(), lines.end(), [](const auto& x, const auto& y) {
    return std::tie(std::get<0>(x), std::get<1>(x)) < std::tie(std::get<0>(y), std::get<1>(y));
  });
  for (const auto& line : lines) out << std::get<2>(line);
  out.flush();
  return run;
}

}  // namespace mpvm::cli
