// tessera: the command line tool. A thin layer over the library; see `tessera --help`.
#include <iostream>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "bench_command.hpp"
#include "commands.hpp"
#include "tessera/tessera.hpp"

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
             "Run 'tessera COMMAND --help' for a command's options.");
  cli::add_run_command(app);
  cli::add_kernels_command(app);
  cli::add_info_command(app);
  cli::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tessera: error: " << e.what() << "\n(run 'tessera --help' for usage)\n";
    return cli::kUsage;
  } catch (const Cancelled&) {
    std::cerr << "tessera: cancelled\n";
    return cli::kCancelled;
  } catch (const UsageError& e) {
    std::cerr << "tessera: error: " << e.what() << "\n";
    return cli::kUsage;
  } catch (const Error& e) {
    std::cerr << "tessera: error: " << e.what() << "\n";
    return cli::kInput;
  } catch (const cv::Exception& e) {
    std::cerr << "tessera: error: OpenCV: " << e.err << "\n";
    return cli::kInput;
  } catch (const std::exception& e) {
    std::cerr << "tessera: error: " << e.what() << "\n";
    return cli::kFailure;
  }
  return cli::kOk;
}
