// Errors are exceptions that carry their context (file and line, byte offset, pc) in the
// message; `main` turns each kind into one exit code. Every module may include this file.
#pragma once

#include <stdexcept>
#include <string>

namespace mpvm {

// Exit codes of the `mpvm` executable, one per kind of failure (README: "Exit status").
enum class ExitCode : int {
  ok = 0,
  usage = 1,          // bad command line
  bad_input = 2,      // malformed .bc, assembly, input file, or a missing file
  runtime = 3,        // the program trapped: memory bound, call depth, range precondition
  protocol_abort = 4, // a protocol detected a deviation and aborted
  network = 5,        // a peer disconnected, refused or timed out
  internal = 70,      // a bug in mpvm itself
};

// Base of every error mpvm raises on purpose. `what()` is the whole message a user sees.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  virtual ExitCode exit_code() const { return ExitCode::internal; }
};

// Something a user handed us is malformed or missing: bytecode, assembly, input files.
class InputError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::bad_input; }
};

// A program broke a rule while running (memory limit, call depth, a value outside the
// declared bit length). The interpreter prefixes the pc and the mnemonic.
class RuntimeError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::runtime; }
};

// An active protocol caught a deviation; honest parties stop without revealing anything.
class ProtocolAbort : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::protocol_abort; }
};

// A peer went away, refused the connection, or stalled past the timeout.
class NetworkError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::network; }
};

}  // namespace mpvm

namespace mpvm {

// Inside a catch block: throws the exception being handled again as the same kind of
// Error, its message prefixed with `context` (e.g. "prog.bc: pc 12 (muls)"). Anything that
// is not an mpvm::Error becomes an internal Error (std::bad_alloc: a RuntimeError).
[[noreturn]] void rethrow_with_context(const std::string& context);

}  // namespace mpvm
