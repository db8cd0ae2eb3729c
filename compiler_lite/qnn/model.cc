#include "compiler_lite/qnn/model.h"

namespace mpvm::qnn {

const char* name_of(OperatorKind kind) {
  switch (kind) {
    case OperatorKind::conv_2d: return "CONV_2D";
    case OperatorKind::depthwise_conv_2d: return "DEPTHWISE_CONV_2D";
    case OperatorKind::fully_connected: return "FULLY_CONNECTED";
    case OperatorKind::average_pool_2d: return "AVERAGE_POOL_2D";
    case OperatorKind::max_pool_2d: return "MAX_POOL_2D";
    case OperatorKind::add: return "ADD";
    case OperatorKind::reshape: return "RESHAPE";
    case OperatorKind::squeeze: return "SQUEEZE";
    case OperatorKind::concatenation: return "CONCATENATION";
    case OperatorKind::pad: return "PAD";
    case OperatorKind::softmax: return "SOFTMAX";
  }
  return "?";
}

const char* name_of(ElementType type) {
  switch (type) {
    case ElementType::uint8: return "UINT8";
    case ElementType::int8: return "INT8";
    case ElementType::int16: return "INT16";
    case ElementType::int32: return "INT32";
    case ElementType::int64: return "INT64";
    case ElementType::float32: return "FLOAT32";
  }
  return "?";
}

}  // namespace mpvm::qnn
