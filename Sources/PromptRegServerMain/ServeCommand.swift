import ArgumentParser
import Foundation
import PromptRegCLI
import PromptRegServer
import PromptRegistry

/// `promptreg-server serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the registry over HTTP: read API, state long-poll and watch stream, health, metrics.",
        discussion: """
            Prints one line once it listens (with --json, an object with url, port and registry), then serves until SIGINT or SIGTERM. With --follow REMOTE it is a relay: it pulls from REMOTE every --interval seconds (±20% jitter, backing off up to 60 s on failure) and keeps serving the last good state while the remote is down. With a trust anchor (--trust FILE, $PROMPTREG_TRUST or git config promptreg.trust), it serves no state the anchor does not trust, and as a relay pulls none: it keeps serving the last trusted state and /healthz reports the refusal. The endpoints are described in schemas/openapi.yaml.

            Examples:
              promptreg-server serve --port 8080
              promptreg-server serve --follow origin --interval 2 --host 0.0.0.0 --port 0 --json
              promptreg serve --follow origin --trust /etc/promptreg/allowed_signers
            """)

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var trustOptions: TrustOptions

    @Option(name: .long, help: ArgumentHelp("Address to listen on.", valueName: "host"))
    var host = "127.0.0.1"

    @Option(name: .long, help: ArgumentHelp("Port to listen on; 0 picks a free one.", valueName: "port"))
    var port = 8080

    @Option(name: .long, help: ArgumentHelp("Relay this remote: pull from it on a schedule.", valueName: "remote"))
    var follow: String?

    @Option(name: .long, help: ArgumentHelp("Seconds between pulls with --follow.", valueName: "seconds"))
    var interval: Double = 5

    @Option(name: .customLong("poll-ms"), help: ArgumentHelp("Milliseconds between reads of the state.", valueName: "ms"))
    var pollMilliseconds = 100

    @Flag(name: .long, help: "Print the listening line as JSON.")
    var json = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard interval.isFinite, interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be between 0.1 and 3600 seconds") }
        guard (1...60_000).contains(pollMilliseconds) else { throw ValidationError("--poll-ms must be from 1 to 60000") }
        if let follow { try Names.checkRemote(follow) }
    }

    func run() async throws {
        var settings = ServerSettings(registryPath: try registryOptions.registryPath())
        settings.host = host
        settings.port = port
        settings.follow = follow
        settings.pullInterval = .milliseconds(Int64(interval * 1000))
        settings.pollInterval = .milliseconds(pollMilliseconds)
        settings.trust = try registryOptions.trustAnchor(trustOptions.trust)
        let json = json
        try await RegistryServer.run(settings) { listening in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let line =
                json
                ? String(decoding: (try? encoder.encode(listening)) ?? Data(), as: UTF8.self)
                : "serving \(listening.registry) on \(listening.url)"
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}
