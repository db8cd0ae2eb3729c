// `mpvm infer MODEL.tflite --image IMG --protocol NAME`: private inference. The model
// compiler turns the model into a program and the model owner's input (party 0); the
// image is the client's input (party 1); the parties run it; the label is revealed to the
// client only. `--reference` also runs the plaintext reference and compares.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/format.h"
#include "cli/backends.h"
#include "cli/commands.h"
#include "cli/party_launcher.h"
#include "cli/private_inference.h"
#include "cli/program_files.h"
#include "compiler_lite/assembler.h"
#include "compiler_lite/image/image.h"
#include "compiler_lite/qnn/compiler.h"
#include "compiler_lite/qnn/reference.h"
#include "compiler_lite/tflite/loader.h"

namespace mpvm::cli {
namespace {

struct InferOptions {
  std::string model;
  std::string image;
  std::string input_raw;
  std::string labels;
  std::string resize = "bilinear";
  std::string protocol = "rep3";
  std::string mode = "exact";
  bool reveal_logits = false;
  bool reference = false;
  bool quiet = false;
  double timeout = 120;
};

void write_values(const std::filesystem::path& path, const std::vector<int64_t>& values) {
  std::ofstream file(path);
  for (std::size_t k = 0; k < values.size(); ++k) file << values[k] << ((k + 1) % 32 == 0 ? '\n' : ' ');
  file << '\n';
  if (!file) throw InputError(fmt::format("{}: cannot write", path.string()));
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  if (path.empty()) return lines;
  std::ifstream file(path);
  if (!file) throw InputError(fmt::format("{}: cannot open labels file", path));
  std::string line;
  while (std::getline(file, line)) lines.push_back(line);
  return lines;
}

void run(const InferOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const BackendInfo& backend = find_backend(options.protocol);
  const qnn::Model model = tflite::load_tflite_file(options.model);
  const qnn::Tensor& input = model.tensors[static_cast<std::size_t>(model.inputs[0])];
  std::vector<uint8_t> pixels;
  if (!options.input_raw.empty()) {
    pixels = bytecode::read_file_bytes(options.input_raw);
    if (static_cast<int64_t>(pixels.size()) != input.element_count())
      throw InputError(fmt::format("{}: {} bytes, but the model's input has {} elements", options.input_raw, pixels.size(),
                                   input.element_count()));
  } else {
    const image::Resize method = options.resize == "nearest" ? image::Resize::nearest : image::Resize::bilinear;
    pixels = image::pixel_bytes(image::load_for_model(options.image, input.shape.at(1), input.shape.at(2), input.shape.at(3), method));
  }
  TemporaryDirectory inputs("mpvm-infer");
  const PreparedInference prepared =
      prepare_private_inference(model, pixels, qnn::CompileOptions{options.reveal_logits, options.mode == "exact"},
                                std::filesystem::path(options.model).stem().string() + ".s", inputs.path());
  if (!options.quiet)
    std::cerr << fmt::format("[mpvm] {}: {} layers compiled to {} instructions in {:.3f} s\n", options.model,
                             prepared.layers.size(), prepared.program.code.size(),
                             std::chrono::duration<double>(Clock::now() - start).count());

  InferenceParties parties{backend, {}, options.timeout};
  if (!options.quiet) {
    std::cerr << "[mpvm] timer k = operator k:";
    for (const std::string& layer : prepared.layers) std::cerr << "\n[mpvm]   " << layer;
    std::cerr << '\n';
    parties.options.progress = &std::cerr;
  }
  const InferenceRun result = run_private_inference(prepared, parties);
  const std::vector<PartyReport>& reports = result.reports;
  const int label = result.label;
  const std::string& logits_line = result.logits;
  const std::vector<std::string> labels = read_lines(options.labels);
  std::cout << fmt::format("label: {}{}\n", label,
                           static_cast<std::size_t>(label) < labels.size() ? " " + labels[static_cast<std::size_t>(label)] : "");
  if (!logits_line.empty()) std::cout << "logits: " << logits_line << '\n';

  double seconds = 0;
  uint64_t bytes = 0, rounds = 0, memory = 0;
  for (const PartyReport& r : reports) {
    memory = std::max(memory, r.peak_memory_bytes);
    seconds = std::max(seconds, r.statistics.seconds);
    bytes = std::max(bytes, r.statistics.communication.bytes_sent);
    rounds = std::max(rounds, r.statistics.communication.rounds);
  }
  if (!options.quiet)
    std::cerr << fmt::format("[mpvm] {} inference: {:.3f} s (slowest party), {:.1f} MB sent per party at most, {} rounds, "
                             "peak memory {:.0f} MB per party at most; {:.3f} s in all\n",
                             options.protocol, seconds, bytes / 1e6, rounds, memory / 1e6,
                             std::chrono::duration<double>(Clock::now() - start).count());

  if (options.reference) {
    const auto outputs = qnn::run_reference(model, pixels);
    const int expected = qnn::argmax_label(model, outputs);
    int64_t differing = 0;
    if (!logits_line.empty()) {
      std::istringstream got(logits_line);
      for (uint8_t v : outputs[0]) {
        int x = 0;
        if (!(got >> x) || x != (input.type == qnn::ElementType::int8 ? static_cast<int8_t>(v) : v)) ++differing;
      }
    }
    const bool exact = options.mode == "exact";
    std::string verdict = expected != label ? "DIFFERENT label"
                          : logits_line.empty() ? "the same label"
                          : differing == 0 ? "bit for bit the same logits"
                                           : fmt::format("the same label, {} of {} logits differ (fast mode)", differing, outputs[0].size());
    std::cout << fmt::format("reference: label {}, {}\n", expected, verdict);
    // Exact mode must agree bit for bit; fast mode must keep the label.
    if (expected != label || (exact && differing > 0)) throw RuntimeError("the secure inference differs from the plaintext reference");
  }
}

}  // namespace

void add_infer_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<InferOptions>();
  CLI::App* command = app.add_subcommand("infer", "Private inference: the model owner's weights and the client's image stay secret");
  command->add_option("model", options->model, "the quantized .tflite model (party 0's secret weights)")->required();
  auto* image = command->add_option("--image", options->image, "the client's image (party 1's secret)");
  auto* raw = command->add_option("--input-raw", options->input_raw, "or the already-quantized input tensor, raw bytes");
  image->excludes(raw);
  command->add_option("--labels", options->labels, "labels file, one per line");
  command->add_option("--resize", options->resize, "bilinear (TFLite label_image) or nearest (Keras load_img)")
      ->check(CLI::IsMember({"bilinear", "nearest"}))
      ->capture_default_str();
  command->add_option("-p,--protocol", options->protocol, "protocol back-end")->capture_default_str();
  command->add_option("--mode", options->mode, "exact (TFLite's rounding, bit for bit) or fast (one rounding, at most 1 LSB off per layer)")
      ->check(CLI::IsMember({"exact", "fast"}))
      ->capture_default_str();
  command->add_flag("--reveal-logits", options->reveal_logits, "reveal the logits to the client too");
  command->add_flag("--reference", options->reference, "also run the plaintext reference and compare");
  command->add_option("--timeout", options->timeout, "seconds a silent peer is waited for")->capture_default_str();
  command->add_flag("-q,--quiet", options->quiet, "no statistics on stderr");
  command->callback([options, &action] {
    action = [options] {
      if (options->image.empty() && options->input_raw.empty()) throw InputError("infer: give --image or --input-raw");
      run(*options);
    };
  });
}

// ---- Shared with `mpvm bench` (cli/private_inference.h) ----

TemporaryDirectory::TemporaryDirectory(std::string_view prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / fmt::format("{}-XXXXXX", prefix)).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw Error("cannot create a temporary directory");
  path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

PreparedInference prepare_private_inference(const qnn::Model& model, std::span<const uint8_t> input_tensor,
                                            const qnn::CompileOptions& options, const std::string& program_name,
                                            const std::filesystem::path& inputs_directory) {
  const qnn::Tensor& input = model.tensors[static_cast<std::size_t>(model.inputs[0])];
  if (static_cast<int64_t>(input_tensor.size()) != input.element_count())
    throw InputError(fmt::format("{}: an input of {} bytes, but the model's input has {} elements", program_name,
                                 input_tensor.size(), input.element_count()));
  const qnn::CompiledModel compiled = qnn::compile_model(model, options);
  PreparedInference prepared{
      compiler_lite::assemble(compiled.assembly, program_name, compiler_lite::AssembleOptions{include_path({})}),
      compiled.layers, inputs_directory};
  write_values(inputs_directory / "P0.in", compiled.owner_inputs);
  std::vector<int64_t> client(input_tensor.begin(), input_tensor.end());
  if (input.type == qnn::ElementType::int8)
    for (int64_t& v : client) v = static_cast<int8_t>(static_cast<uint8_t>(v));
  write_values(inputs_directory / "P1.in", client);
  return prepared;
}

InferenceRun run_private_inference(const PreparedInference& prepared, const InferenceParties& parties) {
  const BackendInfo& backend = parties.backend;
  InferenceRun result;
  result.parties = std::max(backend.min_parties, static_cast<int>(prepared.program.requirements.min_parties));
  std::ostringstream printed;
  if (backend.run_party == nullptr) {
    vm::PrivateInputs private_inputs(prepared.inputs_directory.string());
    vm::StreamOutput output(printed);
    PartyReport report;
    report.statistics = run_emulate(PartyContext{prepared.program, private_inputs, output, parties.options},
                                    result.parties, std::random_device{}());
    report.peak_memory_bytes = peak_memory_bytes();
    result.reports.push_back(report);
  } else {
    const PartySetup setup{backend, prepared.program, prepared.inputs_directory.string(), parties.options,
                           parties.timeout_seconds, protocols::NonlinearPath::native, parties.shaping};
    const LocalRun local = launch_local_parties(setup, result.parties, 0, true, printed);
    if (local.exit_code != 0) throw Error(local.failure);
    result.reports = local.reports;
  }

  // Party 1's lines: the logits (if revealed), then the label.
  std::istringstream lines(printed.str());
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("P1: ")) continue;
    if (line.find(' ', 4) != std::string::npos) result.logits = line.substr(4);
    else result.label = std::stoi(line.substr(4));
  }
  if (result.label < 0) throw Error("the program revealed no label");
  return result;
}

}  // namespace mpvm::cli
