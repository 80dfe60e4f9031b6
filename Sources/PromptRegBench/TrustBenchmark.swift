import ArgumentParser
import Foundation
import PromptRegistry

/// `promptreg-bench trust`: what signing and verifying signatures cost. As processes, interleaved
/// round by round: promote and rollback unsigned on a registry without a trust policy beside the
/// same commands with `--sign-with` on a registry whose policy lists the key; `resolve` of prod
/// with and without `--trust`. In process: a cold and a warm resolve with and without a trust file.
struct TrustBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust", abstract: "Measure signed writes and trusted resolves beside unsigned ones; append to the results.")

    @Option(help: "The promptreg executable to measure.") var promptreg: String
    @Option(help: "The example bundle published.") var example = "registry/support-agent"
    @Option(help: "Working directory (rebuilt).") var work = ".build/bench-trust"
    @Option(help: "Where to append the markdown section.") var out = "bench/results.md"
    @Option(help: "Rounds (each runs every command once).") var runs = 25

    static let heading = "## Signing and trusted resolves"

    func run() throws {
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let key = SigningKey.generate(comment: "bench@example.com")
        let keyFile = "\(work)/bench_ed25519"
        try key.write(to: keyFile)
        let plain = try makeRegistry("plain.git", signedBy: nil)
        let signed = try makeRegistry("signed.git", signedBy: key)
        let trustFile = "\(work)/allowed_signers"
        guard let allowed = try Registry.open(at: signed).trustPolicy()?.allowedSignersText else {
            throw BenchError("the signed registry has no trust policy")
        }
        try allowed.write(toFile: trustFile, atomically: true, encoding: .utf8)

        let name = "support-agent"
        let write = ["--actor", "bench", "-m", "bench"]
        let commands: [(key: String, argv: [String])] = [
            ("promote", [promptreg, "promote", "\(name)@1.0.1", "prod", "--registry", plain] + write),
            ("promote-signed", [promptreg, "promote", "\(name)@1.0.1", "prod", "--registry", signed, "--sign-with", keyFile] + write),
            ("rollback", [promptreg, "rollback", "prod", "--registry", plain] + write),
            ("rollback-signed", [promptreg, "rollback", "prod", "--registry", signed, "--sign-with", keyFile] + write),
            ("resolve", [promptreg, "resolve", name, "--json", "--registry", signed]),
            ("resolve-trust", [promptreg, "resolve", name, "--json", "--registry", signed, "--trust", trustFile]),
        ]
        var samples: [String: [Double]] = [:]
        for _ in 0..<runs {
            for command in commands {
                let result = Spawn.run(command.argv)
                guard result.sample.status == 0 else { throw BenchError("\(command.argv.joined(separator: " ")) exited \(result.sample.status)") }
                samples[command.key, default: []].append(result.sample.seconds * 1000)
            }
        }
        let signers = try AllowedSigners(contentsOf: trustFile)
        var library: [String: [Double]] = [:]
        for _ in 0..<max(runs, 50) {
            library["cold", default: []].append(try elapsedMilliseconds { _ = try Registry.open(at: signed).resolve(.channel(name)) })
            library["cold-trust", default: []].append(try elapsedMilliseconds { _ = try Registry.open(at: signed).resolve(.channel(name), trusting: signers) })
        }
        let warm = try Registry.open(at: signed)
        _ = try warm.resolve(.channel(name), trusting: signers)
        for _ in 0..<2000 {
            library["warm", default: []].append(try elapsedMilliseconds { _ = try warm.resolve(.channel(name)) })
            library["warm-trust", default: []].append(try elapsedMilliseconds { _ = try warm.resolve(.channel(name), trusting: signers) })
        }
        let section = markdown(samples.mapValues(Stats.init), library.mapValues(Stats.init))
        try SyncReport.replaceSection(section, heading: Self.heading, in: out)
        print(section)
    }

    /// A registry with the example published as 1.0.0 and 1.0.1 and 1.0.0 on prod; with `key`,
    /// every write is signed with it under a trust policy listing it (prod unprotected, so a
    /// promote and a rollback are one signed command each).
    private func makeRegistry(_ file: String, signedBy key: SigningKey?) throws -> String {
        let registry = try Registry.create(at: "\(work)/\(file)", actor: "bench")
        registry.signingKey = key
        if let key {
            let policy = TrustPolicy(
                signers: [.init(principal: "bench@example.com", key: key.publicKeyLine)], admins: ["bench@example.com"],
                channels: ["prod": .init(rollbackSigners: ["bench@example.com"])])
            try registry.setTrustPolicy(policy, message: "sign everything", actor: "bench")
        }
        _ = try registry.publish(directory: example, message: "one", actor: "bench")
        let copy = "\(work)/\(file)-next"
        try FileManager.default.copyItem(atPath: example, toPath: copy)
        let system = "\(copy)/prompts/system.mustache"
        try (try String(contentsOfFile: system, encoding: .utf8) + "Thank the customer.\n").write(toFile: system, atomically: true, encoding: .utf8)
        _ = try registry.publish(directory: copy, message: "two", actor: "bench")
        try registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "live", actor: "bench")
        return registry.path
    }


    private func markdown(_ process: [String: Stats], _ library: [String: Stats]) -> String {
        func f(_ stats: Stats?) -> String { String(format: "%.2f", stats?.median ?? 0) }
        func p(_ stats: Stats?) -> String { String(format: "%.2f", stats?.p95 ?? 0) }
        func row(_ label: String, _ stats: Stats?, unit: String = "ms") -> String { "| \(label) | \(f(stats)) \(unit) | \(p(stats)) \(unit) |" }
        func cost(_ label: String, _ with: Stats?, _ without: Stats?) -> String {
            "| \(label) (difference of the medians) | \(String(format: "%.2f", (with?.median ?? 0) - (without?.median ?? 0))) ms | |"
        }
        return """
            \(Self.heading)

            - date: \(ISO8601DateFormatter().string(from: Date())); \(runs) rounds, each running every command below once as a process (durable writes, fsync on), interleaved
            - unsigned: a registry without a trust policy; signed: `--sign-with` an Ed25519 key on a registry whose trust policy lists it (the key file is read, the policy checked, the state commit signed)
            - trusted resolve: `--trust` an allowed_signers file; prod's last move is the head commit, so one signature for the head and one for the move are checked
            - in process: cold is `Registry.open` + resolve of prod (\(max(runs, 50)) runs); warm is a repeated resolve on one open registry (2000 runs)

            | figure | median | p95 |
            | --- | ---: | ---: |
            \(row("promote, unsigned", process["promote"]))
            \(row("promote, `--sign-with`", process["promote-signed"]))
            \(cost("signing a promote", process["promote-signed"], process["promote"]))
            \(row("rollback, unsigned", process["rollback"]))
            \(row("rollback, `--sign-with`", process["rollback-signed"]))
            \(cost("signing a rollback", process["rollback-signed"], process["rollback"]))
            \(row("resolve prod", process["resolve"]))
            \(row("resolve prod, `--trust`", process["resolve-trust"]))
            \(cost("verifying on resolve", process["resolve-trust"], process["resolve"]))
            \(row("library: open + resolve", library["cold"]))
            \(row("library: open + resolve trusting", library["cold-trust"]))
            \(row("library: repeated resolve", library["warm"]))
            \(row("library: repeated resolve trusting (verified state remembered)", library["warm-trust"]))

            """
    }
}
