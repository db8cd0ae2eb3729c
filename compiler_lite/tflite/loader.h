// The TFLite loader: a .tflite FlatBuffer → qnn::Model, the format-independent quantized
// network that the reference kernels run and the model compiler translates.
//
// The file is untrusted input. It is verified as a FlatBuffer before any field is read, and
// then checked for everything the rest of mpvm relies on: index ranges (tensors, buffers,
// operator codes), constant data sizes against shapes, quantization parameters, each
// operator's tensor count, types, shapes and options, and that operators run in an order
// where every input already exists. Every failure is an mpvm::InputError whose message
// starts with the file name and says where ("model.tflite: operator 12 (MEAN): unsupported
// operator"). Only the quantized (uint8/int8) subset of TFLite with one subgraph is read;
// README.md in this folder lists what is supported.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "compiler_lite/qnn/model.h"

namespace mpvm::tflite {

// Reads a model from the bytes of a .tflite file. `name` names the file in error messages
// and becomes Model::name. Throws InputError on anything malformed or unsupported.
qnn::Model load_tflite(std::span<const uint8_t> bytes, const std::string& name);

// Reads the file at `path` and loads it as above; a missing or unreadable file is an
// InputError too.
qnn::Model load_tflite_file(const std::string& path);

}  // namespace mpvm::tflite
