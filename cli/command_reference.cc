// `mpvm reference MODEL.tflite --image IMG`: the plaintext reference inference, with no
// MPC at all: TFLite's integer kernels (compiler_lite/qnn) on the model and the image.
// It is what secure inference is checked against, and a quick way to see what a model
// predicts for an image.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>

#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/format.h"
#include "cli/commands.h"
#include "compiler_lite/image/image.h"
#include "compiler_lite/qnn/reference.h"
#include "compiler_lite/tflite/loader.h"

namespace mpvm::cli {
namespace {

struct ReferenceOptions {
  std::string model;
  std::string image;
  std::string input_raw;
  std::string labels;
  std::string resize = "bilinear";
  int top = 1;
  bool logits = false;
};

std::vector<std::string> read_labels(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw InputError(fmt::format("{}: cannot open labels file", path));
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(file, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  return labels;
}

// The logits as signed integers of the output's element type.
std::vector<int> logit_values(const qnn::Model& model, const std::vector<uint8_t>& bytes) {
  const qnn::Operator& last = model.operators.back();
  const int logits_tensor = last.kind == qnn::OperatorKind::softmax ? last.inputs[0] : model.outputs[0];
  const bool is_signed = model.tensors[static_cast<std::size_t>(logits_tensor)].type == qnn::ElementType::int8;
  std::vector<int> values(bytes.size());
  for (std::size_t k = 0; k < bytes.size(); ++k) values[k] = is_signed ? static_cast<int8_t>(bytes[k]) : bytes[k];
  return values;
}

void run(const ReferenceOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const qnn::Model model = tflite::load_tflite_file(options.model);
  if (model.inputs.size() != 1 || model.outputs.empty())
    throw InputError(fmt::format("{}: expected one input and at least one output", options.model));
  const qnn::Tensor& input = model.tensors[static_cast<std::size_t>(model.inputs[0])];

  std::vector<uint8_t> input_bytes;
  if (!options.input_raw.empty()) {
    input_bytes = bytecode::read_file_bytes(options.input_raw);
    if (static_cast<int64_t>(input_bytes.size()) != input.element_count())
      throw InputError(fmt::format("{}: {} bytes, but the model's input has {} elements", options.input_raw,
                                   input_bytes.size(), input.element_count()));
  } else {
    if (input.shape.size() != 4 || input.shape[0] != 1)
      throw InputError(fmt::format("{}: the input is not one image [1, H, W, C]; use --input-raw", options.model));
    const image::Resize method = options.resize == "nearest" ? image::Resize::nearest : image::Resize::bilinear;
    // uint8 models take the pixels; the int8 person detector takes the same bytes read as
    // int8, as its reference test does (compiler_lite/image/README.md).
    input_bytes = image::pixel_bytes(image::load_for_model(options.image, input.shape[1], input.shape[2], input.shape[3], method));
  }

  const auto outputs = qnn::run_reference(model, input_bytes);
  const int label = qnn::argmax_label(model, outputs);
  const std::vector<int> logits = logit_values(model, outputs[0]);
  const std::vector<std::string> labels = options.labels.empty() ? std::vector<std::string>() : read_labels(options.labels);
  auto name = [&](int index) {
    return index >= 0 && static_cast<std::size_t>(index) < labels.size() ? " " + labels[static_cast<std::size_t>(index)] : std::string();
  };

  std::cout << fmt::format("label: {}{}\n", label, name(label));
  if (options.top > 1) {
    std::vector<int> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return logits[static_cast<std::size_t>(a)] > logits[static_cast<std::size_t>(b)]; });
    for (int k = 0; k < std::min<int>(options.top, static_cast<int>(order.size())); ++k)
      std::cout << fmt::format("  {:>2}. {} (logit {}){}\n", k + 1, order[static_cast<std::size_t>(k)],
                               logits[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])], name(order[static_cast<std::size_t>(k)]));
  }
  if (options.logits) {
    std::cout << "logits:";
    for (int v : logits) std::cout << ' ' << v;
    std::cout << '\n';
  }
  std::cerr << fmt::format("[mpvm] plaintext reference: {} operators in {:.3f} s\n", model.operators.size(),
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

void add_reference_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<ReferenceOptions>();
  CLI::App* command = app.add_subcommand(
      "reference", "Plaintext inference of a quantized TFLite model (no MPC): TFLite's integer kernels, bit for bit");
  command->add_option("model", options->model, "the .tflite model (uint8 or int8 quantized)")->required();
  auto* image = command->add_option("--image", options->image, "PNG, JPEG, BMP or PPM image, resized to the model's input");
  auto* raw = command->add_option("--input-raw", options->input_raw, "the already-quantized input tensor, raw bytes");
  image->excludes(raw);
  command->add_option("--labels", options->labels, "labels file, one per line (line 1 = index 0)");
  command->add_option("--resize", options->resize, "bilinear (as TFLite's label_image) or nearest (as Keras load_img)")
      ->check(CLI::IsMember({"bilinear", "nearest"}))
      ->capture_default_str();
  command->add_option("--top", options->top, "also list the K largest logits")->check(CLI::Range(1, 100000));
  command->add_flag("--logits", options->logits, "print every logit");
  command->callback([options, &action] {
    action = [options] {
      if (options->image.empty() && options->input_raw.empty()) throw InputError("reference: give --image or --input-raw");
      run(*options);
    };
  });
}

}  // namespace mpvm::cli
