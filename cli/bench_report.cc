// What `mpvm bench` writes: results.md (a table), results.json (every run's figures) and
// results.svg (grouped bars of time and bytes, log scale, drawn here with fmt: no
// plotting library is needed for rectangles and text).
#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "base/errors.h"
#include "cli/bench.h"
#include "cli/program_files.h"

namespace mpvm::cli {
namespace {

constexpr int kSetup = static_cast<int>(net::Phase::setup);
constexpr int kOffline = static_cast<int>(net::Phase::offline);
constexpr int kOnline = static_cast<int>(net::Phase::online);

// Seconds without a unit, with the precision their size deserves.
std::string number_of_seconds(double seconds) {
  if (seconds >= 100) return fmt::format("{:.0f}", seconds);
  if (seconds >= 10) return fmt::format("{:.1f}", seconds);
  if (seconds >= 1) return fmt::format("{:.2f}", seconds);
  return fmt::format("{:.3f}", seconds);
}

// The networks whose estimate the table shows: the chosen one, or both shaped ones for `none`.
std::vector<const NetworkSetting*> estimate_networks(const BenchResults& results) {
  std::vector<const NetworkSetting*> networks;
  for (const NetworkSetting& network : bench_networks())
    if (network.shaping().active() && (!results.network->shaping().active() || network.name == results.network->name))
      networks.push_back(&network);
  return networks;
}

nlohmann::json figures_json(const RunFigures& figures) {
  nlohmann::json phases = nlohmann::json::object();
  for (int p = 0; p < net::kPhaseCount; ++p)
    phases[net::phase_name(static_cast<net::Phase>(p))] = {{"seconds", figures.phases[p].seconds},
                                                            {"bytes_sent", figures.phases[p].bytes_sent},
                                                            {"rounds", figures.phases[p].rounds}};
  return {{"wall_seconds", figures.wall_seconds},
          {"bytes_sent", figures.bytes_sent},
          {"rounds", figures.rounds},
          {"phases", phases}};
}

std::string xml_escaped(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

// Decade labels of the plot's log axes.
std::string seconds_tick(int decade) {
  if (decade >= 0) return fmt::format("{} s", static_cast<long long>(std::llround(std::pow(10.0, decade))));
  if (decade == -1) return "0.1 s";
  if (decade >= -3) return fmt::format("{} ms", static_cast<long long>(std::llround(std::pow(10.0, decade + 3))));
  if (decade >= -6) return fmt::format("{} µs", static_cast<long long>(std::llround(std::pow(10.0, decade + 6))));
  return fmt::format("{:g} s", std::pow(10.0, decade));
}

std::string bytes_tick(int decade) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  if (decade < 0) return fmt::format("{:g} B", std::pow(10.0, decade));
  const int unit = std::min(decade / 3, 4);
  return fmt::format("{} {}", static_cast<long long>(std::llround(std::pow(10.0, decade - 3 * unit))), kUnits[unit]);
}

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};

}  // namespace

std::string format_seconds(double seconds) { return number_of_seconds(seconds) + " s"; }

std::string format_bytes(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes < 10000) return fmt::format("{} B", bytes);
  if (b < 1e6) return fmt::format("{:.1f} kB", b / 1e3);
  if (b < 1e9) return fmt::format("{:.{}f} MB", b / 1e6, b < 1e7 ? 2 : 1);
  return fmt::format("{:.2f} GB", b / 1e9);
}

std::string bench_markdown(const BenchResults& results) {
  const std::vector<const NetworkSetting*> estimates = estimate_networks(results);
  std::string text = "# mpvm bench: the same programs under each protocol\n\n";
  text += fmt::format("- **Network: {}** ({}). Method: {}.\n", results.network->name, results.network->description,
                      results.network->method());
  text += fmt::format("- {} run{} per pair, local party processes on one machine ({} cores; 1-minute load average {:.2f} "
                      "at the start, {:.2f} at the end); started {}, {} in all{}.\n",
                      results.repeat, results.repeat == 1 ? "" : "s", results.cores, results.load_average[0],
                      results.load_average[1], results.started, format_seconds(results.total_seconds),
                      results.scale == BenchScale::small ? "; SMALL test sizes, not the programs' real sizes" : "");
  text += "- Per run: the wall time as the launcher sees it (start of the parties to the last report), each phase's "
          "time on the slowest party, bytes sent and rounds of the most loaded party (bytes include each message's "
          "8-byte length). Per pair: medians of the runs; the wall time with its range.\n";
  text += "- Phases: setup (connecting, keys, base OTs), offline (preprocessing made during the run, e.g. semi2k's "
          "triples), online (the program itself).\n";
  if (!estimates.empty())
    text += "- Estimates: rounds × RTT + bytes / bandwidth from the counts (every phase, most loaded party), computing "
            "time not included.\n";
  text += "\n| program | protocol | parties | wall time (s): median [min – max] | setup / offline / online (s) | "
          "sent per party: setup / offline / online | rounds: setup / offline / online |";
  for (const NetworkSetting* network : estimates) text += fmt::format(" est. {} (s) |", network->name);
  text += "\n| --- | --- | ---: | ---: | ---: | ---: | ---: |";
  for (std::size_t k = 0; k < estimates.size(); ++k) text += " ---: |";
  text += '\n';
  for (const PairResult& pair : results.pairs) {
    if (pair.status != PairStatus::measured) {
      text += fmt::format("| {} | {} | {} | {}: {} | — | — | — |", pair.program, pair.protocol,
                          pair.parties > 0 ? std::to_string(pair.parties) : "—", pair_status_name(pair.status),
                          pair.reason);
      for (std::size_t k = 0; k < estimates.size(); ++k) text += " — |";
      text += '\n';
      continue;
    }
    const RunFigures& m = pair.median;
    text += fmt::format("| {} | {} | {} | {} [{} – {}] | {} / {} / {} | {} / {} / {} | {} / {} / {} |", pair.program,
                        pair.protocol, pair.parties, number_of_seconds(m.wall_seconds), number_of_seconds(pair.wall_min),
                        number_of_seconds(pair.wall_max), number_of_seconds(m.phases[kSetup].seconds),
                        number_of_seconds(m.phases[kOffline].seconds), number_of_seconds(m.phases[kOnline].seconds),
                        format_bytes(m.phases[kSetup].bytes_sent), format_bytes(m.phases[kOffline].bytes_sent),
                        format_bytes(m.phases[kOnline].bytes_sent), m.phases[kSetup].rounds, m.phases[kOffline].rounds,
                        m.phases[kOnline].rounds);
    for (const NetworkSetting* network : estimates)
      text += fmt::format(" {} |", number_of_seconds(network_estimate_seconds(m, *network)));
    text += '\n';
  }
  text += "\nPrograms:\n\n";
  for (std::size_t k = 0; k < results.programs.size(); ++k) {
    const BenchProgramInfo& info = find_bench_program(results.programs[k]);
    text += fmt::format("- `{}`: {} — {}\n", info.name, info.description, results.program_origins[k]);
  }
  return text;
}

nlohmann::json bench_json(const BenchResults& results) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const PairResult& pair : results.pairs) {
    nlohmann::json entry = {{"program", pair.program},
                            {"protocol", pair.protocol},
                            {"parties", pair.parties},
                            {"status", pair_status_name(pair.status)}};
    if (pair.status != PairStatus::measured) {
      entry["reason"] = pair.reason;
    } else {
      entry["median"] = figures_json(pair.median);
      entry["wall_seconds"] = {{"median", pair.median.wall_seconds}, {"min", pair.wall_min}, {"max", pair.wall_max}};
      nlohmann::json estimates = nlohmann::json::object();
      for (const NetworkSetting& network : bench_networks())
        if (network.shaping().active()) estimates[std::string(network.name)] = network_estimate_seconds(pair.median, network);
      entry["estimate_seconds"] = estimates;
      nlohmann::json runs = nlohmann::json::array();
      for (const RunFigures& run : pair.runs) runs.push_back(figures_json(run));
      entry["runs"] = runs;
    }
    pairs.push_back(entry);
  }
  nlohmann::json programs = nlohmann::json::array();
  for (std::size_t k = 0; k < results.programs.size(); ++k)
    programs.push_back({{"name", results.programs[k]},
                        {"description", find_bench_program(results.programs[k]).description},
                        {"origin", results.program_origins[k]}});
  const NetworkSetting& network = *results.network;
  return {{"network",
           {{"name", network.name},
            {"description", network.description},
            {"method", network.method()},
            {"one_way_latency_seconds", network.one_way_latency_seconds},
            {"round_trip_seconds", network.round_trip_seconds()},
            {"bandwidth_bits_per_second", network.bandwidth_bits_per_second}}},
          {"repeat", results.repeat},
          {"scale", results.scale == BenchScale::small ? "small" : "full"},
          {"machine", {{"cores", results.cores}, {"load_average_start", results.load_average[0]},
                       {"load_average_end", results.load_average[1]}}},
          {"started", results.started},
          {"total_seconds", results.total_seconds},
          {"protocols", results.protocols},
          {"programs", programs},
          {"pairs", pairs}};
}

std::string bench_svg(const BenchResults& results) {
  const int programs = static_cast<int>(results.programs.size());
  const int protocols = std::max<int>(1, static_cast<int>(results.protocols.size()));
  const int left = 80, right = 20, top = 85, plot_height = 200, panel_gap = 80;
  // At least 900 wide (room for the title), at least 150 per program.
  const int group_width = std::max(150, (900 - left - right) / std::max(1, programs));
  const int width = left + std::max(1, programs) * group_width + right;
  const int height = top + 2 * plot_height + 2 * panel_gap;
  const double bar_width = group_width * 0.75 / protocols;

  auto pair_at = [&](int program, int protocol) -> const PairResult* {
    for (const PairResult& pair : results.pairs)
      if (pair.program == results.programs[program] && pair.protocol == results.protocols[protocol]) return &pair;
    return nullptr;
  };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
      width, height);
  svg += fmt::format("<text x=\"{}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">mpvm bench: network {} ({}), "
                     "median of {} run{}</text>\n",
                     left, xml_escaped(results.network->name), xml_escaped(results.network->description), results.repeat,
                     results.repeat == 1 ? "" : "s");
  svg += fmt::format("<text x=\"{}\" y=\"40\" fill=\"#555\">{} · {} cores, load average {:.2f} at the start · "
                     "n/a: not run, failed: failed (results.md says why)</text>\n",
                     left, results.network->shaping().active() ? "shaping emulated in the channel layer" : "loopback TCP",
                     results.cores, results.load_average[0]);
  // Legend: one swatch per protocol.
  for (int p = 0; p < static_cast<int>(results.protocols.size()); ++p) {
    const int x = left + p * 110;
    svg += fmt::format("<rect x=\"{}\" y=\"50\" width=\"14\" height=\"14\" fill=\"{}\"/><text x=\"{}\" y=\"62\">{}</text>\n",
                       x, kPalette[p % std::size(kPalette)], x + 19, xml_escaped(results.protocols[p]));
  }

  struct Panel {
    std::string title;
    std::function<double(const RunFigures&)> value;
    std::function<std::string(int)> tick;
    std::function<std::string(double)> label;
  };
  const Panel panels[] = {
      {"wall time, median (whiskers: min – max), log scale", [](const RunFigures& f) { return f.wall_seconds; },
       seconds_tick, [](double v) { return format_seconds(v); }},
      {"bytes sent per party (the most loaded, every phase), log scale",
       [](const RunFigures& f) { return static_cast<double>(f.bytes_sent); }, bytes_tick,
       [](double v) { return format_bytes(static_cast<uint64_t>(v)); }},
  };
  for (int k = 0; k < 2; ++k) {
    const Panel& panel = panels[k];
    const int panel_top = top + k * (plot_height + panel_gap) + 20;
    const int bottom = panel_top + plot_height;
    double low = INFINITY, high = 0;
    for (const PairResult& pair : results.pairs) {
      if (pair.status != PairStatus::measured) continue;
      const double v = panel.value(pair.median);
      const double upper = k == 0 ? pair.wall_max : v, lower = k == 0 ? pair.wall_min : v;
      if (lower > 0) low = std::min(low, lower);
      high = std::max(high, upper);
    }
    int first_decade = 0, last_decade = 1;
    if (high > 0) {
      // Half a decade of room below the smallest bar (so it shows) and some above the
      // tallest (for its label).
      first_decade = static_cast<int>(std::floor(std::log10(low) - 0.5));
      last_decade = std::max(first_decade + 1, static_cast<int>(std::ceil(std::log10(high) + 0.15)));
    }
    auto y_of = [&](double v) {
      const double t = (std::log10(v) - first_decade) / (last_decade - first_decade);
      return bottom - t * plot_height;
    };
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">{}</text>\n", left, panel_top - 8,
                       xml_escaped(panel.title));
    for (int decade = first_decade; decade <= last_decade; ++decade) {
      const double y = y_of(std::pow(10.0, decade));
      svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
                         "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#555\">{}</text>\n",
                         left, y, width - right, y, left - 6, y + 4, panel.tick(decade));
    }
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\"/>\n", left, bottom, width - right);
    for (int g = 0; g < programs; ++g) {
      const double group_left = left + g * group_width + group_width * 0.125;
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                         left + g * group_width + group_width / 2.0, bottom + 18, xml_escaped(results.programs[g]));
      for (int p = 0; p < static_cast<int>(results.protocols.size()); ++p) {
        const PairResult* pair = pair_at(g, p);
        if (pair == nullptr) continue;
        const double x = group_left + p * bar_width;
        const char* colour = kPalette[p % std::size(kPalette)];
        const double v = pair->status == PairStatus::measured ? panel.value(pair->median) : 0;
        if (pair->status != PairStatus::measured || v <= 0) {
          const char* why = pair->status == PairStatus::measured ? "0" : pair->status == PairStatus::not_run ? "n/a" : "failed";
          svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{}\">{}"
                             "<title>{} × {}: {}</title></text>\n",
                             x + bar_width / 2, bottom - 4, colour, xml_escaped(why), xml_escaped(pair->program),
                             xml_escaped(pair->protocol), xml_escaped(pair->reason));
          continue;
        }
        const double y = y_of(v);
        svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
                           "<title>{} × {}: {}</title></rect>\n",
                           x + 1, y, bar_width - 2, bottom - y, colour, xml_escaped(pair->program),
                           xml_escaped(pair->protocol), xml_escaped(panel.label(v)));
        if (k == 0 && pair->wall_max > pair->wall_min) {
          const double centre = x + bar_width / 2;
          svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#222\"/>\n", centre,
                             y_of(pair->wall_min), y_of(pair->wall_max));
        }
        // A value label where the bar is wide enough to carry it.
        if (bar_width >= 40)
          svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#222\">{}</text>\n",
                             x + bar_width / 2, (k == 0 ? std::min(y, y_of(pair->wall_max)) : y) - 3,
                             xml_escaped(panel.label(v)));
      }
    }
  }
  svg += "</svg>\n";
  return svg;
}

void write_bench_results(const BenchResults& results, const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) throw InputError(fmt::format("{}: cannot create the results folder: {}", directory.string(), error.message()));
  write_file_atomically((directory / "results.md").string(), bench_markdown(results));
  write_file_atomically((directory / "results.json").string(), bench_json(results).dump(2) + "\n");
  write_file_atomically((directory / "results.svg").string(), bench_svg(results));
}

}  // namespace mpvm::cli
