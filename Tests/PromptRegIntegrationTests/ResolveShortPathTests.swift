import Foundation
import PromptRegistry
import TestSupport
import Testing

/// `resolve`'s short path (no argument parser) answers exactly as the parser's path does. The
/// short path takes options only as two words, so `--opt=value` forms go through the parser:
/// each case runs both forms and compares status, standard output and standard error.
@Suite("resolve's short path answers as the parser does")
struct ResolveShortPathTests {
    @Test("same output, errors and exit codes through the short path and through the parser")
    func sameAnswers() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "t")
        try test.publishPatch("support-agent", adding: "Two.")
        try test.registry.promote(
            .version("support-agent", SemanticVersion(1, 0, 1)), to: "canary", traffic: 50, message: "try", actor: "t")
        let digest = try test.registry.show(.version("support-agent", SemanticVersion(1, 0, 0))).digest
        // (short form, parser form): the parser form differs only in spelling.
        let path = test.path
        let cases: [([String], [String])] = [
            (["resolve", "support-agent", "--registry", path], ["resolve", "support-agent", "--registry=\(path)"]),
            (["resolve", "support-agent", "--json", "--registry", path], ["resolve", "support-agent", "--json", "--registry=\(path)"]),
            (["--registry", path, "resolve", "support-agent", "--channel", "canary", "--json"],
             ["resolve", "support-agent", "--channel=canary", "--json", "--registry=\(path)"]),
            (["resolve", "support-agent", "--subject", "user-1", "--registry", path], ["resolve", "support-agent", "--subject=user-1", "--registry=\(path)"]),
            (["resolve", "support-agent", "--subject", "user-7", "--json", "--registry", path], ["resolve", "support-agent", "--subject=user-7", "--json", "--registry=\(path)"]),
            (["resolve", "support-agent@1.0.1", "--json", "--registry", path], ["resolve", "support-agent@1.0.1", "--json", "--registry=\(path)"]),
            (["resolve", "support-agent@\(digest)", "--registry", path], ["resolve", "support-agent@\(digest)", "--registry=\(path)"]),
            // Errors: an unknown bundle, an unknown channel, a bad reference, no registry.
            (["resolve", "nope", "--json", "--registry", path], ["resolve", "nope", "--json", "--registry=\(path)"]),
            (["resolve", "support-agent", "--channel", "staging", "--registry", path], ["resolve", "support-agent", "--channel=staging", "--registry=\(path)"]),
            (["resolve", "Bad_Name!", "--json", "--registry", path], ["resolve", "Bad_Name!", "--json", "--registry=\(path)"]),
            (["resolve", "support-agent@sha256:00", "--registry", path], ["resolve", "support-agent@sha256:00", "--registry=\(path)"]),
            (["resolve", "support-agent", "--registry", "\(path)-missing"], ["resolve", "support-agent", "--registry=\(path)-missing"]),
        ]
        var statuses = Set<Int32>()
        for (short, parsed) in cases {
            let fast = try CLI.run(short)
            let slow = try CLI.run(parsed)
            #expect(fast.status == slow.status, "\(short): \(fast.status) vs \(slow.status)\n\(fast.stderr)\n\(slow.stderr)")
            #expect(fast.stdout == slow.stdout, "\(short)")
            #expect(fast.stderr == slow.stderr, "\(short)")
            statuses.insert(fast.status)
        }
        // The cases cover answers and several kinds of refusal.
        #expect(statuses.contains(0) && statuses.contains(66) && statuses.count >= 3, "\(statuses)")
    }

    @Test("forms the short path does not take still work through the parser")
    func otherFormsFallBack() throws {
        let test = try TestRegistry()
        defer { test.remove() }
        try test.registry.promote(.version("support-agent", SemanticVersion(1, 0, 0)), to: "prod", message: "ship", actor: "t")
        let help = try CLI.run(["resolve", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--subject"))
        let exactWithChannel = try CLI.run(["resolve", "support-agent@1.0.0", "--channel", "prod", "--registry", test.path])
        #expect(exactWithChannel.status == 64 && exactWithChannel.stderr.contains("are exact"))
        let twice = try CLI.run(["resolve", "support-agent", "--channel", "prod", "--channel", "prod", "--registry", test.path])
        #expect(twice.status == 0, "\(twice.stderr)")  // the parser takes the last value
        let unknown = try CLI.run(["resolve", "support-agent", "--bogus", "--registry", test.path])
        #expect(unknown.status == 64 && unknown.stderr.contains("--bogus"))
        let twoNames = try CLI.run(["resolve", "support-agent", "reply-verifier", "--registry", test.path])
        #expect(twoNames.status == 64)
    }
}
