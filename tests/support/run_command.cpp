#include "run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "test_paths.h"

namespace braid::test {
namespace {

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, static_cast<size_t>(n));
  return text;
}

}  // namespace

CommandResult run_braid(const std::vector<std::string>& args, int timeout_seconds) {
  return run_braid_with_input(args, "", timeout_seconds);
}

CommandResult run_braid_with_input(const std::vector<std::string>& args,
                                   const std::string& input,
                                   int timeout_seconds) {
  CommandResult result;
  const std::string program = (binary_dir() / "braid").string();
  // Output goes to temporary files, so a chatty command cannot fill a pipe and block.
  char out_name[] = "/tmp/braid-test-out-XXXXXX";
  char err_name[] = "/tmp/braid-test-err-XXXXXX";
  char in_name[] = "/tmp/braid-test-in-XXXXXX";
  const int out_fd = mkstemp(out_name);
  const int err_fd = mkstemp(err_name);
  const int in_fd = mkstemp(in_name);
  if (out_fd < 0 || err_fd < 0 || in_fd < 0) return result;
  if (write(in_fd, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    return result;
  }
  lseek(in_fd, 0, SEEK_SET);
  unlink(in_name);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  lseek(out_fd, 0, SEEK_SET);
  lseek(err_fd, 0, SEEK_SET);
  result.out = read_all(out_fd);
  result.err = read_all(err_fd);
  close(out_fd);
  close(err_fd);
  close(in_fd);
  unlink(out_name);
  unlink(err_name);
  return result;
}

}  // namespace braid::test
