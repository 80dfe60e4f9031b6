import Glibc
import PromptRegCLI
import PromptRegistryHTTP

// A parent that blocked SIGTERM or SIGINT (a test runner's thread, a supervisor) must not keep
// the server from shutting down on them: unblock both before any thread starts.
var shutdownSignals = sigset_t()
sigemptyset(&shutdownSignals)
sigaddset(&shutdownSignals, SIGTERM)
sigaddset(&shutdownSignals, SIGINT)
sigprocmask(SIG_UNBLOCK, &shutdownSignals, nil)

// `promptreg follow --server URL` hands its arguments to us: the same command, with the HTTP
// watch source this executable links and `promptreg` does not.
if CommandLine.arguments.dropFirst().first == "follow" {
    FollowCommand.serverSource = { ServerFollowSource(server: $0) }
    PromptRegCommand.runMain()
}

await ServerToolCommand.runMain()
