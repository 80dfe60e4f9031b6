import ArgumentParser
import Dispatch
import Foundation
import PromptRegistry

/// `promptreg follow`.
public struct FollowCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Follow channels: print what each bundle resolves to now and every time it changes.",
        discussion: """
            Runs until stopped (SIGINT or SIGTERM end it cleanly, exit 0). Prints one line per bundle at start and one line per change; with --json each line is one JSON object with event (initial or changed), name, channel, version, digest, state_seq and state_commit (answered_by when a subject is in the canary share; error when the bundle has no answer). This is how an agent in any language, or a sidecar, follows a channel.

            With a registry that has an upstream (a clone), it pulls from it every --interval seconds (default 5, with ±20% jitter; on failure it backs off up to 60 s). --remote R pulls from remote R instead; without any remote it watches the local registry. While the remote is unreachable, answers stay at the last verified state and a 'stale' line on standard error says for how long; a 'recovered' line says it is in step again. A remote that went backwards is refused. With a trust anchor (--trust FILE, $PROMPTREG_TRUST or git config promptreg.trust), a remote state that fails the anchor's checks is refused the same way: a 'stale' line names the first bad commit and the answers stay at the last trusted state.

            --server URL follows a 'promptreg serve' instance (or relay) through its watch stream instead: a change arrives as soon as the server sees it. Answers are verified against their digests; no local registry is needed.

            Examples:
              promptreg follow support-agent --json
              promptreg follow support-agent reply-verifier --subject user-4711 --interval 2
              promptreg follow support-agent --server http://relay.internal:8080 --json
            """)

    @Argument(help: ArgumentHelp("The bundles to follow.", valueName: "name"))
    var names: [String]

    @Option(name: .long, help: ArgumentHelp("The channel to follow.", valueName: "channel"))
    var channel: String = stableChannel

    @Option(name: .long, help: ArgumentHelp("User or session id: follow what this subject gets (sticky canary share).", valueName: "key"))
    var subject: String?

    @Option(name: .long, help: ArgumentHelp("Pull from this remote (default: the upstream).", valueName: "remote"))
    var remote: String?

    @Option(name: .long, help: ArgumentHelp("Follow a 'promptreg serve' instance at this URL instead of a registry.", valueName: "url"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Seconds between pulls.", valueName: "seconds"))
    var interval: Double = 5

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var trustOptions: TrustOptions
    @OptionGroup var output: OutputOptions

    public init() {}

    /// Makes the source that follows a server; set by the helper executable, which links the
    /// HTTP client. Nil in `promptreg` itself, which hands `--server` to the helper.
    nonisolated(unsafe) public static var serverSource: ((URL) -> any FollowSource)?

    public func validate() throws {
        if server != nil, remote != nil { throw ValidationError("--remote and --server exclude each other: follow a registry's remote, or a server") }
        if server != nil, trustOptions.trust != nil {
            throw ValidationError("--trust checks a registry's history, which a follower of --server does not have: follow the registry's git remote with --trust, or a relay started with 'serve --trust'")
        }
        guard interval.isFinite, interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be between 0.1 and 3600 seconds") }
        if let server {
            guard let url = URL(string: server), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--server must be an http:// or https:// URL, e.g. http://127.0.0.1:8080")
            }
        }
    }

    public func run() throws {
        for name in names { try Names.checkBundle(name) }
        try Names.checkChannel(channel)
        let targets = names.map { FollowTarget($0, channel: channel, subject: subject) }
        let source: any FollowSource
        if let server, let url = URL(string: server) {
            guard let makeSource = Self.serverSource else {
                try HelperExecutable.exec(HelperExecutable.server, CommandLineArguments.normalised(Array(CommandLine.arguments.dropFirst())))
            }
            source = makeSource(url)
        } else {
            let registry = try registryOptions.open(trust: trustOptions.trust)
            if let remote, try !registry.remotes().contains(where: { $0.name == remote }) {
                throw PromptRegError(.notFound, "no remote named \(remote)", fix: "list the remotes with 'promptreg remote list'")
            }
            source = RegistryFollowSource(registry: registry, remote: remote, schedule: PullSchedule(interval: .seconds(interval)))
        }
        Self.follow(ChannelFollower(targets: targets, source: source), json: output.json)
    }

    /// Prints the follower's events until SIGINT or SIGTERM, then exits 0. Lines are written on
    /// the main queue, where the signals are handled too, so a stop never cuts a line in half.
    private static func follow(_ follower: ChannelFollower, json: Bool) -> Never {
        // A parent may have started us with these signals blocked (threads of a test runner or a
        // supervisor often do); a command that runs until stopped must hear them.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for signalNumber in [SIGINT, SIGTERM] { sigaddset(&stopSignals, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        let task = Task {
            await follower.run { event in await MainActor.run { FollowPrinter.print(event, json: json) } }
        }
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler {
                task.cancel()
                PromptRegCommand.finish(0)
            }
            source.resume()
            sources.append(source)
        }
        withExtendedLifetime(sources) { dispatchMain() }
    }
}

/// How `follow` prints events: answers on standard output, staleness on standard error.
enum FollowPrinter {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func print(_ event: FollowEvent, json: Bool) {
        switch event {
        case .resolved(let answer):
            if json {
                Output.raw(encodedLine(FollowLine(answer)))
            } else {
                Output.line(text(answer))
            }
            Output.flush()
        case .stale(let staleness):
            if json { return Output.rawError(encodedLine(FollowLine(staleness))) }
            let state = staleness.state.map { "state \($0.seq)" } ?? "no state yet"
            Output.error("stale for \(Int(staleness.staleSeconds)) s, answering from \(state): \(staleness.error.message)")
        case .recovered(let state):
            if json { return Output.rawError(encodedLine(FollowLine(recoveredAt: state))) }
            Output.error("in step again at state \(state.seq)")
        }
    }

    private static func encodedLine(_ line: FollowLine) -> String {
        String(decoding: (try? encoder.encode(line)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }

    private static func text(_ answer: FollowAnswer) -> String {
        let target = answer.target
        switch answer.result {
        case .success(let bundle):
            let via = bundle.channel.flatMap { $0 == target.channel ? nil : " via \($0)" } ?? ""
            return "\(target.name) \(target.channel)\(via): \(bundle.version) \(bundle.digest) (state \(answer.state.seq))"
        case .failure(let error):
            return "\(target.name) \(target.channel): no answer: \(error.message) (state \(answer.state.seq))"
        }
    }
}
