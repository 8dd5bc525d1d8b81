import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on every SIGHUP, as `nginx -s reload` does (a signal that arrives during a reload
/// is handled after it).
package struct ReloadOnSignal: Service {
    let reloader: Reloader

    package init(reloader: Reloader) {
        self.reloader = reloader
    }

    package func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reloader.reload(trigger: "SIGHUP")
        }
    }
}
