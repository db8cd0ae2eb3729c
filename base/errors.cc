#include "base/errors.h"

#include <new>

namespace mpvm {

void rethrow_with_context(const std::string& context) {
  const std::string prefix = context + ": ";
  try {
    throw;
  } catch (const InputError& e) {
    throw InputError(prefix + e.what());
  } catch (const RuntimeError& e) {
    throw RuntimeError(prefix + e.what());
  } catch (const ProtocolAbort& e) {
    throw ProtocolAbort(prefix + e.what());
  } catch (const NetworkError& e) {
    throw NetworkError(prefix + e.what());
  } catch (const Error& e) {
    throw Error(prefix + e.what());
  } catch (const std::bad_alloc&) {
    throw RuntimeError(prefix + "out of memory");
  } catch (const std::exception& e) {
    throw Error(prefix + "internal error: " + e.what());
  }
}

}  // namespace mpvm
