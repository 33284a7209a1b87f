// rss_probe OUT COMMAND [ARGS...]: runs COMMAND, writes its peak resident memory in bytes to the
// file OUT, and exits as COMMAND did (with its code, or killed by its signal).
//
// Why a program of its own: Linux counts the resident memory of a forked copy of the parent into
// the child's ru_maxrss when the child execs, so a test process that forked tessera itself would
// measure max(its own size, tessera's). Forked from this small program, tessera's figure is its own.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: rss_probe OUT COMMAND [ARGS...]\n");
    return 2;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid) return 126;
  if (FILE* out = std::fopen(argv[1], "w")) {
    std::fprintf(out, "%lld\n", static_cast<long long>(usage.ru_maxrss) * 1024);
    std::fclose(out);
  }
  if (WIFSIGNALED(status)) {
    std::signal(WTERMSIG(status), SIG_DFL);
    std::raise(WTERMSIG(status));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 126;
}
