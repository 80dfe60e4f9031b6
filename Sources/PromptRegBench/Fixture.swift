import Foundation
import PromptRegistry

/// A registry built through the library: `bundles` bundles of `versions` versions each, then a
/// promote to prod and one to canary per bundle, so the state history holds
/// bundles x versions + 2 x bundles operations. Every library publish is timed, so the report can
/// show what one publish costs as the registry grows.
struct Fixture {
    /// Short name in the report: small, deep, wide.
    let label: String
    let path: String
    let bundles: [String]
    /// Versions per bundle (for a fixture stopped at its time budget: the versions of its first bundle).
    let versions: Int
    /// The versions asked for, per bundle.
    let requestedVersions: Int
    /// The bundles asked for.
    let requestedBundles: Int
    let stateOperations: Int64
    /// One source directory per round (warm-up included), each a new version of `subject`, plus
    /// one more for the publish run under strace.
    let publishSources: [String]
    /// Wall time of the build, in seconds.
    let buildSeconds: Double
    /// Library publish time (durable writes off) near some registry sizes: (versions in the
    /// registry, median milliseconds of the publishes just before that size, how many were taken).
    let publishGrowth: [(versions: Int, milliseconds: Double, samples: Int)]

    /// promptreg's gc once the fixture is built (writes join their packs themselves meanwhile).
    struct Maintenance {
        /// promptreg's gc at the end (inside buildSeconds).
        let gcSeconds: Double
        let packsBeforeGC: Int
        let packsAfterGC: Int
        let objects: Int
    }
    let maintenance: Maintenance

    /// The bundle the measurements use.
    var subject: String { bundles[0] }
    /// Versions in the whole registry when built.
    var totalVersions: Int { bundles.count * versions }
    /// The build stopped at its time budget before making every version asked for.
    var stoppedEarly: Bool { versions < requestedVersions || bundles.count < requestedBundles }

    /// The registry sizes at which the per-publish library time is reported.
    static let growthCheckpoints = [10, 100, 1000, 5000, 10000, 20000]
    /// How many publishes before a checkpoint its median is taken over.
    static let growthWindow = 50

    /// Builds the fixture. Publishing stops early (at a whole bundle for many bundles, at a
    /// version for one) once `budgetSeconds` have passed, so a layout where a publish grows with
    /// the registry cannot run away with the bench; the report says so.
    static func build(
        label: String, at path: String, bundles count: Int, versions: Int, example: String, publishRounds: Int, work: String,
        budgetSeconds: Double = .infinity
    ) throws -> Fixture {
        precondition(versions >= 3, "a fixture needs at least 3 versions per bundle (prod, and two for canary)")
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let registry: Registry? = try Registry.create(at: path, actor: "bench")
        let names = (0..<count).map { String(format: "bench-%04d", $0) }
        let source = "\(work)/source"
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
        var published = 0
        var built = versions
        var builtBundles = count
        var recent: [Double] = []  // the last `growthWindow` publish times, ms
        var growth: [(versions: Int, milliseconds: Double, samples: Int)] = []
        let checkpoints = Set(growthCheckpoints)
        var lastReport = started
        bundleLoop: for (index, name) in names.enumerated() {
            for revision in 0..<versions {
                try write(name: name, revision: revision, into: source)
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try registry!.publish(directory: source, message: "revision \(revision)", actor: "bench")
                let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                published += 1
                recent.append(milliseconds)
                if recent.count > growthWindow { recent.removeFirst() }
                if checkpoints.contains(published) {
                    growth.append((published, Stats(recent).median, recent.count))
                }
                let elapsed = Date().timeIntervalSince(started)
                if Date().timeIntervalSince(lastReport) >= 30 {
                    lastReport = Date()
                    print(
                        "  \(label) fixture: \(published) versions (\(index + 1)/\(count) bundles), \(Int(elapsed)) s, last publish \(String(format: "%.1f", milliseconds)) ms"
                    )
                }
                if count == 1, revision + 1 >= 3, elapsed > budgetSeconds, revision + 1 < versions {
                    print("  \(label) fixture: time budget of \(Int(budgetSeconds)) s reached at \(revision + 1) of \(versions) versions")
                    built = revision + 1
                    try promoteBoth(registry!, name, versions: built)
                    break bundleLoop
                }
            }
            try promoteBoth(registry!, name, versions: versions)
            if count > 1, index + 1 < count, Date().timeIntervalSince(started) > budgetSeconds {
                print("  \(label) fixture: time budget of \(Int(budgetSeconds)) s reached at \(index + 1) of \(count) bundles")
                builtBundles = index + 1
                break bundleLoop
            }
        }
        let gcStarted = Date()
        let garbage = try registry!.collectGarbage()
        let gcSeconds = Date().timeIntervalSince(gcStarted)
        // The last checkpoint: the registry's full size, if it is not one already.
        if growth.last?.versions != published, !recent.isEmpty { growth.append((published, Stats(recent).median, recent.count)) }
        let buildSeconds = Date().timeIntervalSince(started)
        var publishSources: [String] = []
        for run in 0..<publishRounds {
            let directory = "\(work)/publish-\(run)"
            try FileManager.default.copyItem(atPath: example, toPath: directory)
            try write(name: names[0], revision: versions + run, into: directory)
            publishSources.append(directory)
        }
        let seq = try registry!.log(limit: 1)[0].seq
        return Fixture(
            label: label, path: path, bundles: Array(names.prefix(builtBundles)), versions: built, requestedVersions: versions,
            requestedBundles: count, stateOperations: seq,
            publishSources: publishSources, buildSeconds: buildSeconds, publishGrowth: growth,
            maintenance: Maintenance(
                gcSeconds: gcSeconds, packsBeforeGC: garbage.packsBefore,
                packsAfterGC: garbage.packsAfter, objects: garbage.objectsKept))
    }

    /// prod at the last version but one, canary (5 %) at the last one.
    private static func promoteBoth(_ registry: Registry, _ name: String, versions: Int) throws {
        try registry.promote(.version(name, SemanticVersion(1, 0, versions - 2)), to: "prod", message: "prod", actor: "bench")
        try registry.promote(
            .version(name, SemanticVersion(1, 0, versions - 1)), to: "canary", traffic: 5, message: "canary", actor: "bench")
    }
}
