#include "base/errors.h"

#include <new>

namespace mpvm {

void rethrow_with_context(const std::string& context) {
  // Built with append, not operator+: GCC 12 reports a false -Wrestrict on `string + char*`.
  auto with_prefix = [&](const char* what) {
    std::string message;
    message.reserve(context.size() + 2 + std::char_traits<char>::length(what));
    message.append(context).append(": ").append(what);
    return message;
  };
  try {
    throw;
  } catch (const InputError& e) {
    throw InputError(with_prefix(e.what()));
  } catch (const RuntimeError& e) {
    throw RuntimeError(with_prefix(e.what()));
  } catch (const ProtocolAbort& e) {
    throw ProtocolAbort(with_prefix(e.what()));
  } catch (const NetworkError& e) {
    throw NetworkError(with_prefix(e.what()));
  } catch (const Error& e) {
    throw Error(with_prefix(e.what()));
  } catch (const std::bad_alloc&) {
    throw RuntimeError(with_prefix("out of memory"));
  } catch (const std::exception& e) {
    throw Error(with_prefix((std::string("internal error: ") + e.what()).c_str()));
  }
}

}  // namespace mpvm
