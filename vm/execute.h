// The body of every instruction: Interpreter<P>::step<opcode>. One `if constexpr` branch
// per row of bytecode/instructions.def, in the table's order; a row without a branch here
// stops the build at the static_assert at the end. Each branch returns the next pc.
//
// a[j] is operand j as the table declares it; n is the vector length. Register spans
// cover n lanes (or n*len for dotprods); see vm/interpreter.h for s(), c(), i().
#pragma once

#include "vm/interpreter.h"

namespace mpvm::vm {

template <class>
inline constexpr bool kMissingInstruction = false;

template <protocols::ArithmeticProtocol P>
template <bytecode::Opcode op>
uint32_t Interpreter<P>::step(const Instruction& instruction, uint32_t pc) {
  const auto& a = instruction.args;
  const uint64_t n = instruction.vector_length;
  // Integer registers wrap at 2^64 like the ring; computing in uint64_t keeps it defined.
  auto wrap = [](uint64_t v) { return static_cast<int64_t>(v); };
  auto u = [](int64_t v) { return static_cast<uint64_t>(v); };

  // ---- loads and moves ----
  if constexpr (op == Opcode::ldsi) {
    protocol_.constant(s(a[0], n), Domain::from_int(a[1]));
  } else if constexpr (op == Opcode::ldi) {
    std::fill_n(c(a[0], n).begin(), n, Domain::from_int(a[1]));
  } else if constexpr (op == Opcode::ldint) {
    std::fill_n(i(a[0], n).begin(), n, a[1]);
  } else if constexpr (op == Opcode::movs) {
    copy_lanes<Share>(s(a[0], n), s(a[1], n));
  } else if constexpr (op == Opcode::movc) {
    copy_lanes<Clear>(c(a[0], n), c(a[1], n));
  } else if constexpr (op == Opcode::movint) {
    copy_lanes<int64_t>(i(a[0], n), i(a[1], n));
  } else if constexpr (op == Opcode::convint) {
    auto to = c(a[0], n);
    auto from = i(a[1], n);
    for (uint64_t k = 0; k < n; ++k) to[k] = Domain::from_int(from[k]);
  } else if constexpr (op == Opcode::convclear) {
    auto to = i(a[0], n);
    auto from = c(a[1], n);
    for (uint64_t k = 0; k < n; ++k) to[k] = Domain::to_signed(from[k]);

    // ---- local arithmetic ----
  } else if constexpr (op == Opcode::adds) {
    protocol_.add(s(a[0], n), s(a[1], n), s(a[2], n));
  } else if constexpr (op == Opcode::subs) {
    protocol_.sub(s(a[0], n), s(a[1], n), s(a[2], n));
  } else if constexpr (op == Opcode::addm) {
    protocol_.add_clear(s(a[0], n), s(a[1], n), c(a[2], n));
  } else if constexpr (op == Opcode::subml) {
    protocol_.sub_clear(s(a[0], n), s(a[1], n), c(a[2], n));
  } else if constexpr (op == Opcode::submr) {
    protocol_.clear_sub(s(a[0], n), c(a[1], n), s(a[2], n));
  } else if constexpr (op == Opcode::mulm) {
    protocol_.mul_clear(s(a[0], n), s(a[1], n), c(a[2], n));
  } else if constexpr (op == Opcode::mulsi) {
    protocol_.mul_scalar(s(a[0], n), s(a[1], n), Domain::from_int(a[2]));
  } else if constexpr (op == Opcode::addsi) {
    protocol_.add_scalar(s(a[0], n), s(a[1], n), Domain::from_int(a[2]));
  } else if constexpr (op == Opcode::addc) {
    auto d = c(a[0], n), x = c(a[1], n), y = c(a[2], n);
    for (uint64_t k = 0; k < n; ++k) d[k] = x[k] + y[k];
  } else if constexpr (op == Opcode::subc) {
    auto d = c(a[0], n), x = c(a[1], n), y = c(a[2], n);
    for (uint64_t k = 0; k < n; ++k) d[k] = x[k] - y[k];
  } else if constexpr (op == Opcode::mulc) {
    auto d = c(a[0], n), x = c(a[1], n), y = c(a[2], n);
    for (uint64_t k = 0; k < n; ++k) d[k] = x[k] * y[k];

    // ---- interactive arithmetic ----
  } else if constexpr (op == Opcode::muls) {
    protocol_.mul(s(a[0], n), s(a[1], n), s(a[2], n));
  } else if constexpr (op == Opcode::dotprods) {
    const int64_t length = a[3];
    protocol_.dot(s(a[0], n), s(a[1], n * length), s(a[2], n * length), length);
  } else if constexpr (op == Opcode::matmuls || op == Opcode::matmulsm) {
    const protocols::MatmulShape shape{a[3], a[4], a[5]};
    const uint64_t a_count = n * shape.a_size(), b_count = n * shape.b_size();
    secret_memory_.ensure(a[1], a_count);
    if constexpr (op == Opcode::matmuls) {
      secret_memory_.ensure(a[2], b_count);
      memory_product(a[0], n * shape.c_size(), {{a[1], a_count}, {a[2], b_count}}, [&](std::span<Share> out) {
        protocol_.matmul(out, secret_memory_.view(a[1], a_count), secret_memory_.view(a[2], b_count), shape);
      });
    } else {
      std::span<const Clear> b = clear_memory_.cells(a[2], b_count);
      memory_product(a[0], n * shape.c_size(), {{a[1], a_count}}, [&](std::span<Share> out) {
        protocol_.matmul_clear(out, secret_memory_.view(a[1], a_count), b, shape);
      });
    }
  } else if constexpr (op == Opcode::conv2ds) {
    const protocols::Conv2dShape shape{a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                                       a[12], a[13], a[14], a[15], a[16], a[17]};
    const uint64_t in_count = n * shape.input_size(), filter_count = n * shape.filter_size();
    secret_memory_.ensure(a[1], in_count);
    secret_memory_.ensure(a[2], filter_count);
    memory_product(a[0], n * shape.output_size(), {{a[1], in_count}, {a[2], filter_count}}, [&](std::span<Share> out) {
      protocol_.conv2d(out, secret_memory_.view(a[1], in_count), secret_memory_.view(a[2], filter_count), shape);
    });

    // ---- input, randomness, revealing ----
  } else if constexpr (op == Opcode::input) {
    const int party = static_cast<int>(a[1]);
    std::vector<int64_t> values;
    if (protocol_.plays(party)) {
      values.resize(n);
      inputs_.read(party, values);
    }
    protocol_.input(party, s(a[0], n), values);
  } else if constexpr (op == Opcode::rands) {
    protocol_.random(s(a[0], n));
  } else if constexpr (op == Opcode::open) {
    protocol_.check();
    protocol_.open(c(a[0], n), s(a[1], n));
  } else if constexpr (op == Opcode::output) {
    const int party = static_cast<int>(a[1]);
    protocol_.check();
    std::vector<Clear> values(n);
    if (protocol_.open_to(party, values, s(a[0], n)))
      print_line(party, values, [](const Clear& v) { return Domain::to_string(v); });
    ++print_sequence_;

    // ---- comparison and truncation ----
  } else if constexpr (op == Opcode::ltz) {
    if constexpr (protocols::BatchesNonlinear<P>)
      if (const uint32_t ran = run_nonlinear_batch(pc)) return pc + ran;
    protocol_.ltz(s(a[0], n), s(a[1], n), static_cast<unsigned>(a[2]));
  } else if constexpr (op == Opcode::eqz) {
    protocol_.eqz(s(a[0], n), s(a[1], n), static_cast<unsigned>(a[2]));
  } else if constexpr (op == Opcode::trunc) {
    if constexpr (protocols::BatchesNonlinear<P>)
      if (const uint32_t ran = run_nonlinear_batch(pc)) return pc + ran;
    protocol_.trunc(s(a[0], n), s(a[1], n), static_cast<unsigned>(a[2]), static_cast<unsigned>(a[3]));
  } else if constexpr (op == Opcode::truncpr) {
    protocol_.truncpr(s(a[0], n), s(a[1], n), static_cast<unsigned>(a[2]), static_cast<unsigned>(a[3]));

    // ---- memory ----
  } else if constexpr (op == Opcode::ldms) {
    copy_lanes<Share>(s(a[0], n), secret_memory_.cells(a[1], n));
  } else if constexpr (op == Opcode::stms) {
    copy_lanes<Share>(secret_memory_.cells(a[1], n), s(a[0], n));
  } else if constexpr (op == Opcode::ldmc) {
    copy_lanes<Clear>(c(a[0], n), clear_memory_.cells(a[1], n));
  } else if constexpr (op == Opcode::stmc) {
    copy_lanes<Clear>(clear_memory_.cells(a[1], n), c(a[0], n));
  } else if constexpr (op == Opcode::ldmint) {
    copy_lanes<int64_t>(i(a[0], n), integer_memory_.cells(a[1], n));
  } else if constexpr (op == Opcode::stmint) {
    copy_lanes<int64_t>(integer_memory_.cells(a[1], n), i(a[0], n));
  } else if constexpr (op == Opcode::ldmsi) {
    copy_lanes<Share>(s(a[0], n), secret_memory_.cells(integer_[a[1]], n));
  } else if constexpr (op == Opcode::stmsi) {
    copy_lanes<Share>(secret_memory_.cells(integer_[a[1]], n), s(a[0], n));
  } else if constexpr (op == Opcode::ldmci) {
    copy_lanes<Clear>(c(a[0], n), clear_memory_.cells(integer_[a[1]], n));
  } else if constexpr (op == Opcode::stmci) {
    copy_lanes<Clear>(clear_memory_.cells(integer_[a[1]], n), c(a[0], n));
  } else if constexpr (op == Opcode::ldminti) {
    copy_lanes<int64_t>(i(a[0], n), integer_memory_.cells(integer_[a[1]], n));
  } else if constexpr (op == Opcode::stminti) {
    copy_lanes<int64_t>(integer_memory_.cells(integer_[a[1]], n), i(a[0], n));

    // ---- integer arithmetic ----
  } else if constexpr (op == Opcode::addint) {
    auto d = i(a[0], n), x = i(a[1], n), y = i(a[2], n);
    for (uint64_t k = 0; k < n; ++k) d[k] = wrap(u(x[k]) + u(y[k]));
  } else if constexpr (op == Opcode::subint) {
    auto d = i(a[0], n), x = i(a[1], n), y = i(a[2], n);
    for (uint64_t k = 0; k < n; ++k) d[k] = wrap(u(x[k]) - u(y[k]));
  } else if constexpr (op == Opcode::mulint) {
    auto d = i(a[0], n), x = i(a[1], n), y = i(a[2], n);
    for (uint64_t k = 0; k < n; ++k) d[k] = wrap(u(x[k]) * u(y[k]));
  } else if constexpr (op == Opcode::ltint) {
    auto d = i(a[0], n), x = i(a[1], n), y = i(a[2], n);
    for (uint64_t k = 0; k < n; ++k) d[k] = x[k] < y[k] ? 1 : 0;
  } else if constexpr (op == Opcode::eqint) {
    auto d = i(a[0], n), x = i(a[1], n), y = i(a[2], n);
    for (uint64_t k = 0; k < n; ++k) d[k] = x[k] == y[k] ? 1 : 0;

    // ---- control flow ----
  } else if constexpr (op == Opcode::jmp) {
    return static_cast<uint32_t>(a[0]);
  } else if constexpr (op == Opcode::jmpnz) {
    return integer_[a[0]] != 0 ? static_cast<uint32_t>(a[1]) : pc + 1;
  } else if constexpr (op == Opcode::jmpeqz) {
    return integer_[a[0]] == 0 ? static_cast<uint32_t>(a[1]) : pc + 1;
  } else if constexpr (op == Opcode::call) {
    if (call_stack_.size() >= options_.limits.call_depth)
      throw RuntimeError(fmt::format("call depth passes the limit of {} (unbounded recursion?)", options_.limits.call_depth));
    call_stack_.push_back(pc + 1);
    return static_cast<uint32_t>(a[0]);
  } else if constexpr (op == Opcode::ret) {
    if (call_stack_.empty()) throw RuntimeError("ret without a matching call");
    const uint32_t target = call_stack_.back();
    call_stack_.pop_back();
    return target;
  } else if constexpr (op == Opcode::halt) {
    return kHalt;

    // ---- printing and timing ----
  } else if constexpr (op == Opcode::printc) {
    print_line(0, c(a[0], n), [](const Clear& v) { return Domain::to_string(v); });
    ++print_sequence_;
  } else if constexpr (op == Opcode::printint) {
    print_line(0, i(a[0], n), [](int64_t v) { return std::to_string(v); });
    ++print_sequence_;
  } else if constexpr (op == Opcode::prints) {
    if (protocol_.plays(0)) out_.write(print_sequence_, program_.strings[static_cast<std::size_t>(a[0])]);
    ++print_sequence_;
  } else if constexpr (op == Opcode::starttimer) {
    start_timer(static_cast<int>(a[0]));
  } else if constexpr (op == Opcode::stoptimer) {
    stop_timer(static_cast<int>(a[0]));
  } else {
    static_assert(kMissingInstruction<std::integral_constant<Opcode, op>>,
                  "an instruction of bytecode/instructions.def has no body in vm/execute.h");
  }
  return pc + 1;
}

template <protocols::ArithmeticProtocol P>
uint32_t Interpreter<P>::run_nonlinear_batch(uint32_t pc) {
  // The run of ltz/trunc instructions from pc on in which no instruction's output is read
  // or written by another (straight-line code: running them together is running them in
  // order). Tracing shows one instruction at a time, so it runs them alone.
  if (options_.trace != nullptr) return 0;
  constexpr std::size_t kMostInBatch = 8;
  const auto overlap = [](int64_t x, uint64_t x_count, int64_t y, uint64_t y_count) {
    return static_cast<uint64_t>(x) < static_cast<uint64_t>(y) + y_count && static_cast<uint64_t>(y) < static_cast<uint64_t>(x) + x_count;
  };
  std::vector<const Instruction*> members;
  for (uint32_t at = pc; at < program_.code.size() && members.size() < kMostInBatch; ++at) {
    const Instruction& next = program_.code[at];
    if (next.opcode != Opcode::ltz && next.opcode != Opcode::trunc) break;
    const uint64_t n = next.vector_length;
    bool independent = true;
    for (const Instruction* member : members) {
      const uint64_t m = member->vector_length;
      independent = independent && !overlap(next.args[1], n, member->args[0], m) && !overlap(next.args[0], n, member->args[0], m) &&
                    !overlap(next.args[0], n, member->args[1], m);
    }
    if (!independent) break;
    members.push_back(&next);
  }
  if (members.size() < 2) return 0;
  using Request = protocols::NonlinearRequest<Share>;
  std::vector<Request> requests;
  for (const Instruction* member : members) {
    const auto& a = member->args;
    const uint64_t n = member->vector_length;
    if (member->opcode == Opcode::ltz)
      requests.push_back({Request::Kind::ltz, s(a[0], n), s(a[1], n), 0, static_cast<unsigned>(a[2])});
    else
      requests.push_back({Request::Kind::trunc, s(a[0], n), s(a[1], n), static_cast<unsigned>(a[2]), static_cast<unsigned>(a[3])});
  }
  protocol_.nonlinear_batch(requests);
  batched_instructions_ += members.size() - 1;
  return static_cast<uint32_t>(members.size());
}

}  // namespace mpvm::vm
