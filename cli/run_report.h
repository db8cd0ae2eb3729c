// What one party reports about its run: time, instructions, and communication per phase.
// Printed as one line on stderr; written as JSON with --json; sent from a party process to
// the local launcher as JSON too.
#pragma once

#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "protocols/core/statistics.h"
#include "protocols/net/transport.h"
#include "vm/interpreter.h"

namespace mpvm::cli {

struct PartyReport {
  int party = 0;
  uint64_t peak_memory_bytes = 0;  // the process's peak resident set (getrusage)
  vm::RunStatistics statistics;  // its communication counts the online phase
  std::array<protocols::CommunicationCounters, net::kPhaseCount> phases{};
  std::array<double, net::kPhaseCount> phase_seconds{};  // wall time per phase (transport)
};

nlohmann::json to_json(const PartyReport& report);
PartyReport party_report_from_json(const nlohmann::json& json);

// "[mpvm] rep3 party 1: 0.012 s, 5 instructions, 8000016 bytes sent, ..., 2 rounds"
std::string summary_line(std::string_view protocol, const PartyReport& report, bool all_parties_in_one_process);

// This process's peak resident memory so far.
uint64_t peak_memory_bytes();

}  // namespace mpvm::cli
