#include "cli/run_report.h"

#include <sys/resource.h>

#include <fmt/format.h>

namespace mpvm::cli {
namespace {

nlohmann::json counters_json(const protocols::CommunicationCounters& c) {
  return {{"bytes_sent", c.bytes_sent}, {"bytes_received", c.bytes_received}, {"rounds", c.rounds}};
}

protocols::CommunicationCounters counters_from_json(const nlohmann::json& j) {
  return {j.at("bytes_sent").get<uint64_t>(), j.at("bytes_received").get<uint64_t>(), j.at("rounds").get<uint64_t>()};
}

}  // namespace

nlohmann::json to_json(const PartyReport& report) {
  nlohmann::json phases = nlohmann::json::object();
  for (int p = 0; p < net::kPhaseCount; ++p) {
    nlohmann::json phase = counters_json(report.phases[p]);
    phase["seconds"] = report.phase_seconds[p];
    phases[net::phase_name(static_cast<net::Phase>(p))] = phase;
  }
  nlohmann::json timers = nlohmann::json::object();
  for (const auto& [id, timer] : report.statistics.timers) {
    nlohmann::json entry = counters_json(timer.communication);
    entry["seconds"] = timer.seconds;
    timers[std::to_string(id)] = entry;
  }
  return {{"party", report.party},
          {"peak_memory_bytes", report.peak_memory_bytes},
          {"seconds", report.statistics.seconds},
          {"instructions", report.statistics.instructions},
          {"communication", counters_json(report.statistics.communication)},
          {"phases", phases},
          {"timers", timers}};
}

PartyReport party_report_from_json(const nlohmann::json& json) {
  PartyReport report;
  report.party = json.at("party").get<int>();
  report.peak_memory_bytes = json.value("peak_memory_bytes", uint64_t{0});
  report.statistics.seconds = json.at("seconds").get<double>();
  report.statistics.instructions = json.at("instructions").get<uint64_t>();
  report.statistics.communication = counters_from_json(json.at("communication"));
  for (int p = 0; p < net::kPhaseCount; ++p) {
    const nlohmann::json& phase = json.at("phases").at(net::phase_name(static_cast<net::Phase>(p)));
    report.phases[p] = counters_from_json(phase);
    report.phase_seconds[p] = phase.value("seconds", 0.0);
  }
  for (const auto& [id, entry] : json.at("timers").items())
    report.statistics.timers[std::stoi(id)] = {entry.at("seconds").get<double>(), counters_from_json(entry)};
  return report;
}

std::string summary_line(std::string_view protocol, const PartyReport& report, bool all_parties_in_one_process) {
  const vm::RunStatistics& s = report.statistics;
  std::string who = all_parties_in_one_process ? std::string(protocol) : fmt::format("{} party {}", protocol, report.party);
  std::string line = fmt::format("[mpvm] {}: {:.6f} s, {} instructions, {} bytes sent, {} bytes received, {} rounds", who,
                                 s.seconds, s.instructions, s.communication.bytes_sent, s.communication.bytes_received,
                                 s.communication.rounds);
  const auto& setup = report.phases[static_cast<int>(net::Phase::setup)];
  if (setup.rounds > 0) line += fmt::format(" (setup: {} bytes sent, {} rounds)", setup.bytes_sent, setup.rounds);
  // Preprocessing produced during the run (semi2k's triples): its share of the totals.
  const auto& offline = report.phases[static_cast<int>(net::Phase::offline)];
  if (offline.rounds > 0)
    line += fmt::format(" (of which offline: {:.6f} s, {} bytes sent, {} rounds)",
                        report.phase_seconds[static_cast<int>(net::Phase::offline)], offline.bytes_sent, offline.rounds);
  if (report.peak_memory_bytes > 0) line += fmt::format(", peak memory {:.0f} MB", report.peak_memory_bytes / 1e6);
  line += '\n';
  for (const auto& [id, timer] : s.timers)
    line += fmt::format("[mpvm] {} timer {}: {:.6f} s, {} bytes sent, {} rounds\n", who, id, timer.seconds,
                        timer.communication.bytes_sent, timer.communication.rounds);
  return line;
}

uint64_t peak_memory_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace mpvm::cli
