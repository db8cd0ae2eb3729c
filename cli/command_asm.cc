// `mpvm asm` and `mpvm disasm`.
#include <filesystem>
#include <iostream>
#include <memory>

#include "base/errors.h"
#include "bytecode/format.h"
#include "cli/commands.h"
#include "cli/program_files.h"
#include "compiler_lite/assembler.h"
#include "compiler_lite/disassembler.h"

namespace mpvm::cli {

void add_asm_command(CLI::App& app, Action& action) {
  struct Options {
    std::string input;
    std::string output;
    std::vector<std::string> include_dirs;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("asm", "Assemble mpvm assembly text (.s) into bytecode (.bc)");
  command->add_option("--include", options->include_dirs, "a folder where .include looks (before programs/); repeatable");
  command->add_option("input", options->input, "assembly file, or - for standard input")->required();
  command->add_option("-o,--output", options->output, "bytecode file to write (default: the input with .bc)");
  command->callback([options, &action] {
    action = [options] {
      std::string output = options->output;
      if (output.empty()) {
        if (options->input == "-") throw InputError("asm: reading standard input needs -o OUT.bc");
        output = std::filesystem::path(options->input).replace_extension(".bc").string();
      }
      const std::vector<uint8_t> text = read_input(options->input);
      const bytecode::Program program =
          compiler_lite::assemble(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()),
                                  display_name(options->input), compiler_lite::AssembleOptions{include_path(options->include_dirs)});
      const std::vector<uint8_t> bytes = bytecode::encode(program);
      write_file_atomically(output, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    };
  });
}

void add_disasm_command(CLI::App& app, Action& action) {
  struct Options {
    std::string input;
    std::string output;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("disasm", "Print bytecode (.bc) as assembly text that `mpvm asm` reads back identically");
  command->add_option("input", options->input, "bytecode file, or - for standard input")->required();
  command->add_option("-o,--output", options->output, "write the text here instead of standard output");
  command->callback([options, &action] {
    action = [options] {
      const bytecode::Program program = bytecode::decode(read_input(options->input), display_name(options->input));
      const std::string text = compiler_lite::disassemble(program);
      if (options->output.empty()) std::cout << text;
      else write_file_atomically(options->output, text);
    };
  });
}

}  // namespace mpvm::cli
