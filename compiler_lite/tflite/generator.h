// The model generator: writes a valid uint8-quantized TFLite file with random weights, so
// demos and tests need no downloaded model. The files have the layout of the Coral
// quantized MobileNet V1 files (per-tensor uint8 activations and weights, int32 biases
// with scale s_in·s_w, ReLU6 outputs at scale 6/255, softmax output 1/256) and load with
// load_tflite; their weights are random, so their labels mean nothing.
//
// Weights are drawn symmetric around a random zero point and their scale is chosen from
// the layer's fan-in so that pre-activations have a standard deviation of about 2 (in
// real units): activations neither vanish nor saturate, and the logits vary.
// Generation is deterministic: the same options give the same bytes on every platform.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpvm::tflite {

struct GeneratorOptions {
  // "mobilenet_v1": the standard MobileNet V1 (conv 3x3/2, 13 depthwise-separable blocks,
  //   global average pool, 1x1 conv to the logits, reshape, softmax), input
  //   [1, resolution, resolution, 3], channel counts max(8, int(c·alpha)).
  // "cnn": a small CNN on [1, 28, 28, 1]: conv 5x5x16/2 relu, conv 5x5x16/2 relu, global
  //   average pool, reshape, FC 16 → classes, softmax.
  // "mlp": [1, 28, 28, 1] reshaped to [1, 784], FC 784 → 128 relu, FC 128 → classes,
  //   softmax.
  // "minionn": MiniONN's MNIST CNN on [1, 28, 28, 1]: conv 5x5x16 (valid, stride 1) relu,
  //   max pool 2x2, conv 5x5x16 (valid) relu, max pool 2x2, reshape [1, 256],
  //   FC 256 → 100 relu, FC 100 → classes, softmax.
  std::string arch = "mobilenet_v1";
  double alpha = 0.25;   // mobilenet_v1 only: width multiplier, in (0, 4]
  int resolution = 128;  // mobilenet_v1 only: input height and width, 16..1024
  uint64_t seed = 1;
  int classes = 1001;    // number of logits, 2..100000 (the CLI defaults to 10 for all but mobilenet_v1)
};

// The architecture names generate_model accepts.
const std::vector<std::string>& generator_architectures();

// The bytes of a .tflite file (identifier "TFL3", schema version 3). Throws InputError
// for an unknown architecture or an option out of range.
std::vector<uint8_t> generate_model(const GeneratorOptions& options);

}  // namespace mpvm::tflite
