// `mpvm tflite-gen --arch mobilenet_v1|cnn|mlp|minionn -o FILE.tflite`: writes a valid uint8
// quantized TFLite model with random weights (compiler_lite/tflite/generator.h), so the
// secure-inference demo and tests work without downloading a model.
#include <iostream>
#include <memory>
#include <string_view>

#include <fmt/format.h>

#include "base/errors.h"
#include "cli/commands.h"
#include "cli/program_files.h"
#include "compiler_lite/tflite/generator.h"
#include "compiler_lite/tflite/loader.h"

namespace mpvm::cli {

void add_tflite_gen_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<tflite::GeneratorOptions>();
  auto output = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand(
      "tflite-gen",
      "Write a uint8-quantized TFLite model with random weights (MobileNet V1, a small CNN, an MLP or MiniONN's MNIST CNN)");
  command->add_option("--arch", options->arch,
                      "the network:\n"
                      "  mobilenet_v1  MobileNet V1, input [1,R,R,3] (--alpha, --resolution)\n"
                      "  cnn           input [1,28,28,1]: conv 5x5x16/2 relu, conv 5x5x16/2 relu, global average pool, FC\n"
                      "  mlp           input [1,28,28,1]: FC 784->128 relu, FC\n"
                      "  minionn       MiniONN's MNIST CNN, input [1,28,28,1]: conv 5x5x16 valid relu, max pool 2x2,\n"
                      "                conv 5x5x16 valid relu, max pool 2x2, FC 256->100 relu, FC 100->classes\n"
                      "each ends in SOFTMAX (argmax in the secure program)")
      ->check(CLI::IsMember(tflite::generator_architectures()))
      ->capture_default_str();
  auto* alpha = command->add_option("--alpha", options->alpha, "mobilenet_v1 width multiplier, in (0, 4]")
                    ->check(CLI::Range(1e-6, 4.0))
                    ->capture_default_str();
  auto* resolution = command->add_option("--resolution", options->resolution, "mobilenet_v1 input height and width")
                         ->check(CLI::Range(16, 1024))
                         ->capture_default_str();
  auto* classes = command->add_option("--classes", options->classes,
                                      "number of classes (default: 1001 for mobilenet_v1, 10 for the others)")
                      ->check(CLI::Range(2, 100000));
  command->add_option("--seed", options->seed, "random seed: the same seed gives the same file")->capture_default_str();
  command->add_option("-o,--output", *output, "the .tflite file to write")->required();
  command->callback([options, output, alpha, resolution, classes, &action] {
    const bool mobilenet = options->arch == "mobilenet_v1";
    const bool alpha_given = alpha->count() > 0, resolution_given = resolution->count() > 0;
    const bool classes_given = classes->count() > 0;
    if (!mobilenet && (alpha_given || resolution_given))
      throw CLI::ValidationError("--alpha/--resolution", "apply to --arch mobilenet_v1 only, not " + options->arch);
    action = [options, output, mobilenet, classes_given] {
      if (!mobilenet && !classes_given) options->classes = 10;
      const std::vector<uint8_t> bytes = tflite::generate_model(*options);
      // The generator's output must load: check it as any model file is checked.
      const qnn::Model model = tflite::load_tflite(bytes, *output);
      write_file_atomically(*output, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      std::cerr << fmt::format("[mpvm] wrote {}: {} operators, {} bytes ({})\n", *output, model.operators.size(),
                               bytes.size(), model.description);
    };
  });
}

}  // namespace mpvm::cli
