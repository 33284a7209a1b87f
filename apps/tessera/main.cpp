// tessera: the command line tool. A thin layer over the library; see `tessera --help`.
#include <cctype>
#include <iostream>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "bench_command.hpp"
#include "commands.hpp"
#include "trace_command.hpp"
#include "tessera/tessera.hpp"

namespace {

/// "tessera: error: MESSAGE" on one line, whatever the message holds.
void print_error(const std::string& message) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::cerr << "tessera: error: " << line << "\n";
}

/// One line for a command-line error from CLI11: its message (lower-cased like ours), and
/// where to read about the command that was being parsed; or, when the first word names
/// no command, which commands there are.
std::string parse_error_message(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  std::string commands, command;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    commands += (commands.empty() ? "" : ", ") + sub->get_name();
    if (sub->parsed()) command = sub->get_name();
  }
  if (command.empty()) {
    const std::string first = argc > 1 ? argv[1] : "";
    if (!first.empty() && first[0] != '-') return "unknown command '" + first + "' (commands: " + commands + ")";
    if (first.empty()) return "no command given (commands: " + commands + "; see 'tessera --help')";
  }
  std::string message = e.what();
  if (message.size() > 1 && std::isupper(static_cast<unsigned char>(message[0])) &&
      !std::isupper(static_cast<unsigned char>(message[1])))
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  return message + " (see 'tessera " + (command.empty() ? "" : command + " ") + "--help')";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tessera;
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  CLI::App app{"tessera: tile-parallel image processing.\n"
               "Splits an image into tiles, runs a pipeline of kernels on them in parallel,\n"
               "and stitches the result: the same bits as running the kernels on the whole image.",
               "tessera"};
  app.set_version_flag("--version", std::string("tessera ") + version());
  app.require_subcommand(1);
  app.footer("Examples:\n"
             "  tessera run in.png out.png --pipeline \"gaussian sigma=2 | sobel_mag | threshold t=40\"\n"
             "  tessera kernels gaussian\n"
             "  tessera info in.png\n"
             "  tessera run in.tif out.tif -p \"median ksize=5\" --trace run.json && tessera trace run.json\n"
             "Run 'tessera COMMAND --help' for a command's options.");
  cli::add_run_command(app);
  cli::add_kernels_command(app);
  cli::add_info_command(app);
  cli::add_bench_command(app);
  cli::add_trace_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(parse_error_message(app, e, argc, argv));
    return cli::kUsage;
  } catch (const Cancelled&) {
    std::cerr << "tessera: cancelled\n";
    return cli::kCancelled;
  } catch (const UsageError& e) {
    print_error(e.what());
    return cli::kUsage;
  } catch (const Error& e) {
    print_error(e.what());
    return cli::kInput;
  } catch (const cv::Exception& e) {
    print_error("OpenCV: " + e.err);
    return cli::kInput;
  } catch (const std::exception& e) {
    print_error(e.what());
    return cli::kFailure;
  }
  return cli::kOk;
}
