// `mpvm tflite MODEL.tflite -o DIR`: what a real deployment needs, written to files:
// the program (readable assembly and .bc), the model owner's private input (P0.in, which
// only party 0 keeps), optionally the client's input from an image (P1.in), and a README
// of the public parameters and the commands to run each party.
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "base/errors.h"
#include "bytecode/format.h"
#include "cli/commands.h"
#include "cli/program_files.h"
#include "compiler_lite/assembler.h"
#include "compiler_lite/image/image.h"
#include "compiler_lite/qnn/compiler.h"
#include "compiler_lite/tflite/loader.h"

namespace mpvm::cli {
namespace {

struct TfliteOptions {
  std::string model;
  std::string output;
  std::string image;
  std::string resize = "bilinear";
  bool reveal_logits = false;
};

std::string values_text(const std::vector<int64_t>& values) {
  std::string text;
  for (std::size_t k = 0; k < values.size(); ++k) text += fmt::format("{}{}", values[k], (k + 1) % 32 == 0 ? '\n' : ' ');
  return text + "\n";
}

void run(const TfliteOptions& options) {
  const qnn::Model model = tflite::load_tflite_file(options.model);
  const qnn::CompiledModel compiled = qnn::compile_model(model, qnn::CompileOptions{options.reveal_logits});
  const std::filesystem::path dir(options.output);
  std::filesystem::create_directories(dir);
  const std::string stem = std::filesystem::path(options.model).stem().string();
  const bytecode::Program program = compiler_lite::assemble(compiled.assembly, stem + ".s", compiler_lite::AssembleOptions{include_path({})});
  const std::vector<uint8_t> bytes = bytecode::encode(program);
  write_file_atomically((dir / (stem + ".s")).string(), compiled.assembly);
  write_file_atomically((dir / (stem + ".bc")).string(), std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  write_file_atomically((dir / "P0.in").string(), values_text(compiled.owner_inputs));
  const qnn::Tensor& input = model.tensors[static_cast<std::size_t>(model.inputs[0])];
  if (!options.image.empty()) {
    const image::Resize method = options.resize == "nearest" ? image::Resize::nearest : image::Resize::bilinear;
    const auto pixels = image::pixel_bytes(image::load_for_model(options.image, input.shape.at(1), input.shape.at(2), input.shape.at(3), method));
    write_file_atomically((dir / "P1.in").string(), values_text(std::vector<int64_t>(pixels.begin(), pixels.end())));
  }
  std::string readme = fmt::format(
      "# {} compiled by mpvm\n\n"
      "- `{}.s` / `{}.bc`: the program (public). Every party runs the same `.bc`.\n"
      "- `P0.in`: the model owner's weights and biases ({} values): PRIVATE to party 0.\n"
      "- `P1.in` (party 1, the client): the input tensor [{}] as {} values, HWC, {}.\n\n"
      "Public: the architecture, shapes, zero points and scales below. Revealed: the label{} to party 1 only.\n\n"
      "Run it, one terminal (machine) per party, each with its own inputs folder:\n\n"
      "    mpvm run {}.bc --protocol rep3 --party 0 --hosts hosts.txt --inputs owner/\n"
      "    mpvm run {}.bc --protocol rep3 --party 1 --hosts hosts.txt --inputs client/\n"
      "    mpvm run {}.bc --protocol rep3 --party 2 --hosts hosts.txt\n\n"
      "Layers (operator: kind -> output shape):\n\n",
      stem, stem, stem, compiled.owner_inputs.size(), fmt::join(input.shape, ", "), compiled.client_input_count,
      qnn::name_of(input.type), options.reveal_logits ? " and the logits" : "", stem, stem, stem);
  for (const std::string& layer : compiled.layers) readme += "- " + layer + "\n";
  readme += "\nTensors (name: shape, type, scale, zero point):\n\n";
  for (const qnn::Tensor& t : model.tensors)
    if (!t.is_constant())
      readme += fmt::format("- {}: [{}], {}, {}, {}\n", t.name, fmt::join(t.shape, ", "), qnn::name_of(t.type),
                            t.quantization.scales.empty() ? 0.0f : t.quantization.scales[0],
                            t.quantization.zero_points.empty() ? 0 : t.quantization.zero_points[0]);
  write_file_atomically((dir / "README.md").string(), readme);
}

}  // namespace

void add_tflite_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<TfliteOptions>();
  CLI::App* command = app.add_subcommand(
      "tflite", "Compile a quantized .tflite model into an mpvm program and the model owner's input file");
  command->add_option("model", options->model, "the quantized .tflite model")->required();
  command->add_option("-o,--output", options->output, "folder to write the program, P0.in and a README to")->required();
  command->add_option("--image", options->image, "also write the client's input P1.in from this image");
  command->add_option("--resize", options->resize, "bilinear or nearest")->check(CLI::IsMember({"bilinear", "nearest"}));
  command->add_flag("--reveal-logits", options->reveal_logits, "the program reveals the logits to party 1 too");
  command->callback([options, &action] { action = [options] { run(*options); }; });
}

}  // namespace mpvm::cli
