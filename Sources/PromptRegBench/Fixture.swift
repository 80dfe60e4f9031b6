import Foundation
import PromptRegistry

/// A registry built through the library: `bundles` bundles of `versions` versions each, then a
/// promote to prod and one to canary per bundle, so the state history holds
/// bundles x versions + 2 x bundles operations.
struct Fixture {
    let path: String
    let bundles: [String]
    let versions: Int
    let stateOperations: Int64
    /// Where each measured-publish source directory is (one new version each).
    let publishSources: [String]

    /// The bundle the measurements use.
    var subject: String { bundles[0] }

    static func build(at path: String, bundles count: Int, versions: Int, example: String, publishRuns: Int, work: String) throws -> Fixture
    {
        try? FileManager.default.removeItem(atPath: path)
        let registry = try Registry.create(at: path, actor: "bench")
        let names = (0..<count).map { String(format: "bench-%04d", $0) }
        let source = "\(work)/source"
        try? FileManager.default.removeItem(atPath: source)
        try FileManager.default.copyItem(atPath: example, toPath: source)
        let manifest = try String(contentsOfFile: "\(source)/bundle.yaml", encoding: .utf8)
        let system = try String(contentsOfFile: "\(source)/prompts/system.mustache", encoding: .utf8)
        func write(name: String, revision: Int, into directory: String) throws {
            try manifest.replacingOccurrences(of: "name: support-agent", with: "name: \(name)")
                .write(toFile: "\(directory)/bundle.yaml", atomically: false, encoding: .utf8)
            try (system + "Revision \(revision).\n")
                .write(toFile: "\(directory)/prompts/system.mustache", atomically: false, encoding: .utf8)
        }
        let started = Date()
        for (index, name) in names.enumerated() {
            for revision in 0..<versions {
                try write(name: name, revision: revision, into: source)
                _ = try registry.publish(directory: source, message: "revision \(revision)", actor: "bench")
            }
            try registry.promote(.version(name, SemanticVersion(1, 0, versions - 2)), to: "prod", message: "prod", actor: "bench")
            try registry.promote(
                .version(name, SemanticVersion(1, 0, versions - 1)), to: "canary", traffic: 5, message: "canary", actor: "bench")
            if (index + 1) % 100 == 0 {
                print("  fixture: \(index + 1)/\(count) bundles, \(Int(Date().timeIntervalSince(started)))s")
            }
        }
        var publishSources: [String] = []
        for run in 0..<publishRuns {
            let directory = "\(work)/publish-\(run)"
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.copyItem(atPath: example, toPath: directory)
            try write(name: names[0], revision: versions + run, into: directory)
            publishSources.append(directory)
        }
        let seq = try registry.log(limit: 1)[0].seq
        return Fixture(path: path, bundles: names, versions: versions, stateOperations: seq, publishSources: publishSources)
    }
}
