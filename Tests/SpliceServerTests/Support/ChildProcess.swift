import Foundation
import Synchronization

/// A child process started with `posix_spawn`, standard output and error going to one file.
///
/// Foundation's `Process.run()` on Linux crashes intermittently in the 6.3 toolchain (it over-reads the
/// entries of `/proc/self/fd`: swift-corelibs-foundation pull request 5472), which made the command-line tests
/// crash the whole test run now and then. This does only what those tests need.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// The raw `waitpid` status once the child has been reaped.
    private let status = Mutex<Int32?>(nil)

    struct SpawnFailed: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "posix_spawn failed: \(String(cString: strerror(code)))" }
    }

    /// Starts `executable` with `arguments` in `directory`, with exactly `environment`, standard input from
    /// `/dev/null`, standard output and error to `output` (an open file descriptor).
    init(executable: String, arguments: [String], environment: [String: String], directory: String, output: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        // The shell changes directory, then becomes the executable (same pid): `posix_spawn_file_actions_addchdir_np`
        // is not visible from Swift on Linux. Paths and arguments are passed as positional parameters, never parsed.
        let shellArguments = ["/bin/sh", "-c", #"cd -- "$1" && shift && exec "$@""#, "sh", directory, executable] + arguments
        let argv = shellArguments.map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid = pid_t()
        let code = (argv + [nil]).withUnsafeBufferPointer { argvBuffer -> Int32 in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer -> Int32 in
                guard let argvBase = argvBuffer.baseAddress, let envpBase = envpBuffer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, "/bin/sh", &actions, nil, argvBase, envpBase)
            }
        }
        guard code == 0 else { throw SpawnFailed(code: code) }
        self.pid = pid
    }

    /// Whether the child still runs (reaps it when it has exited).
    var isRunning: Bool {
        status.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid || result < 0 {
                status = result == pid ? raw : -1
                return false
            }
            return true
        }
    }

    /// Blocks until the child exits.
    func waitUntilExit() {
        status.withLock { status in
            guard status == nil else { return }
            var raw: Int32 = 0
            while true {
                let result = waitpid(pid, &raw, 0)
                if result == pid {
                    status = raw
                    return
                }
                if result < 0 && errno != EINTR {
                    status = -1
                    return
                }
            }
        }
    }

    /// Sends SIGTERM.
    func terminate() {
        if isRunning { kill(pid, SIGTERM) }
    }

    /// The exit code, or the signal number when a signal ended the child (as `Process` reports it); -1 when
    /// the child could not be waited for or has not exited.
    var terminationStatus: Int32 {
        guard let raw = status.withLock({ $0 }), raw != -1 else { return -1 }
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : signal
    }
}
