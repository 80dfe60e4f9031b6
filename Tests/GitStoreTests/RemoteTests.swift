import Foundation
import Testing

@testable import GitStore

/// Two repositories that talk to each other: a bare `upstream` (the shared registry on a server)
/// and a `local` clone, in one temporary directory that a `git daemon` can serve.
final class RemotePair {
    /// The directory holding both repositories.
    let base: String
    /// The shared repository, `<base>/upstream.git`.
    let upstream: TemporaryRepository
    /// The writer's repository.
    let local: TemporaryRepository

    init() throws {
        base = (NSTemporaryDirectory() as NSString).appendingPathComponent("gitstore-remote-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        upstream = try TemporaryRepository(path: "\(base)/upstream.git")
        local = try TemporaryRepository(path: "\(base)/local.git")
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    /// Installs the executable shell script `body` as the upstream's hook `name`.
    func installHook(_ name: String, _ body: String) throws {
        let hook = "\(upstream.path)/hooks/\(name)"
        try FileManager.default.createDirectory(atPath: "\(upstream.path)/hooks", withIntermediateDirectories: true)
        try "#!/bin/sh\n\(body)\n".write(toFile: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
    }
}

/// Remote configuration, fetch, ls-remote and push against local paths, file:// URLs and git daemon.
@Suite struct RemoteTests {
    static let namespace = "+refs/promptreg/*:refs/promptreg-remotes/origin/*"

    @Test func remotesAreRecordedListedAndRemoved() throws {
        let temporary = try TemporaryRepository()
        let repository = temporary.repository
        try repository.addRemote(named: "origin", url: "git://127.0.0.1:9/r.git", fetchRefspec: Self.namespace)
        try repository.addRemote(named: "mirror", url: "/srv/mirror.git", fetchRefspec: nil)
        #expect(try repository.remotes() == [
            RemoteConfiguration(name: "mirror", url: "/srv/mirror.git"),
            RemoteConfiguration(name: "origin", url: "git://127.0.0.1:9/r.git"),
        ])
        #expect(try repository.remoteURL(named: "mirror") == "/srv/mirror.git")
        #expect(try repository.remoteURL(named: "nowhere") == nil)
        #expect(gitError { try repository.addRemote(named: "origin", url: "/elsewhere", fetchRefspec: nil) }?.code == .exists)
        // The refspec is what stock git reads too.
        let config = try String(contentsOfFile: "\(temporary.path)/config", encoding: .utf8)
        #expect(config.contains("fetch = \(Self.namespace)"))

        try repository.removeRemote(named: "origin")
        #expect(try repository.remotes().map(\.name) == ["mirror"])
        #expect(gitError { try repository.removeRemote(named: "origin") }?.code == .notFound)
    }

    @Test func fetchFillsItsOwnNamespaceAndLeavesLocalReferencesAlone() throws {
        let pair = try RemotePair()
        let upstreamState = try pair.upstream.commit(["state": "upstream"])
        let version = try pair.upstream.commit(["bundle": "v1"])
        try pair.upstream.repository.updateReference("refs/promptreg/state", to: upstreamState, expecting: .absent, logMessage: "u")
        try pair.upstream.repository.updateReference("refs/promptreg/versions/a/1.0.0", to: version, expecting: .absent, logMessage: "u")
        try pair.upstream.repository.updateReference("refs/heads/main", to: version, expecting: .absent, logMessage: "u")
        let localState = try pair.local.commit(["state": "local"])
        try pair.local.repository.updateReference("refs/promptreg/state", to: localState, expecting: .absent, logMessage: "l")

        let updates = try pair.local.repository.fetch(remote: pair.upstream.path, refspecs: [Self.namespace])
        #expect(updates.sorted { $0.name < $1.name } == [
            ReferenceUpdate(name: "refs/promptreg-remotes/origin/state", old: nil, new: upstreamState),
            ReferenceUpdate(name: "refs/promptreg-remotes/origin/versions/a/1.0.0", old: nil, new: version),
        ])
        #expect(try pair.local.repository.referenceTarget("refs/promptreg/state") == localState)
        #expect(try pair.local.repository.referenceTarget("refs/heads/main") == nil)
        #expect(try pair.local.repository.readCommit(upstreamState).parents == [])

        // Nothing new: nothing moves. The upstream moves: the namespace follows, with the old value.
        #expect(try pair.local.repository.fetch(remote: pair.upstream.path, refspecs: [Self.namespace]).isEmpty)
        let next = try pair.upstream.commit(["state": "upstream 2"], parents: [upstreamState])
        try pair.upstream.repository.updateReference("refs/promptreg/state", to: next, expecting: .pointsAt(upstreamState), logMessage: "u")
        let moved = try pair.local.repository.fetch(remote: "file://\(pair.upstream.path)", refspecs: [Self.namespace])
        #expect(moved == [ReferenceUpdate(name: "refs/promptreg-remotes/origin/state", old: upstreamState, new: next)])
        #expect(try pair.local.repository.referenceTarget("refs/promptreg/state") == localState)
    }

    @Test func aNamedRemoteFetchesWithItsConfiguredRefspecOverGitDaemon() throws {
        let pair = try RemotePair()
        let daemon = try GitDaemon(basePath: pair.base)
        let state = try pair.upstream.commit(["state": "1"])
        try pair.upstream.repository.updateReference("refs/promptreg/state", to: state, expecting: .absent, logMessage: "u")
        try pair.local.repository.addRemote(named: "origin", url: daemon.url("upstream.git"), fetchRefspec: Self.namespace)

        let remoteReferences = try pair.local.repository.listRemoteReferences(remote: "origin")
        #expect(remoteReferences.contains { $0.name == "refs/promptreg/state" && $0.target == state })
        let updates = try pair.local.repository.fetch(remote: "origin", refspecs: [])
        #expect(updates == [ReferenceUpdate(name: "refs/promptreg-remotes/origin/state", old: nil, new: state)])
        #expect(try pair.local.repository.referenceTarget("refs/promptreg-remotes/origin/state") == state)
    }

    @Test func createOnlyPushCreatesOnceAndThenIsRefusedWithNothingSent() throws {
        let pair = try RemotePair()
        let daemon = try GitDaemon(basePath: pair.base)
        let url = daemon.url("upstream.git")
        let first = try pair.local.commit(["bundle": "first"])
        let create = PushUpdate(source: .object(first), destination: "refs/promptreg/versions/a/1.0.0", expectation: .absent)
        try pair.local.repository.push(remote: url, updates: [create])
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/versions/a/1.0.0") == first)

        let second = try pair.local.commit(["bundle": "second"])
        let again = PushUpdate(source: .object(second), destination: "refs/promptreg/versions/a/1.0.0", expectation: .absent)
        let error = gitError { try pair.local.repository.push(remote: url, updates: [again]) }
        #expect(error?.code == .exists)
        #expect(error?.operation == "push to \(url)")
        #expect(error?.message.contains(first.hex) == true)
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/versions/a/1.0.0") == first)
        // The check runs before the upload: the refused commit never reached the server.
        #expect(try !pair.upstream.repository.allObjects().contains(second))
    }

    @Test func compareAndSwapPushIsRefusedWhenTheRemoteMovedAndAcceptedWhenItMatches() throws {
        let pair = try RemotePair()
        let daemon = try GitDaemon(basePath: pair.base)
        let url = daemon.url("upstream.git")
        let base = try pair.local.commit(["state": "base"])
        try pair.local.repository.updateReference("refs/promptreg/state", to: base, expecting: .absent, logMessage: "l")
        try pair.local.repository.push(
            remote: url, updates: [PushUpdate(source: .reference("refs/promptreg/state"), destination: "refs/promptreg/state", expectation: .absent)])
        // Another writer moves the upstream state.
        let theirs = try pair.upstream.commit(["state": "theirs"], parents: [base])
        try pair.upstream.repository.updateReference("refs/promptreg/state", to: theirs, expecting: .pointsAt(base), logMessage: "them")

        let ours = try pair.local.commit(["state": "ours"], parents: [base])
        let version = try pair.local.commit(["bundle": "v2"])
        let stale = [
            PushUpdate(source: .object(version), destination: "refs/promptreg/versions/a/2.0.0", expectation: .absent),
            PushUpdate(source: .object(ours), destination: "refs/promptreg/state", expectation: .pointsAt(base)),
        ]
        let error = gitError { try pair.local.repository.push(remote: url, updates: stale) }
        #expect(error?.code == .modified)
        #expect(error?.message.contains(theirs.hex) == true)
        // All or nothing before the upload: neither reference moved.
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/state") == theirs)
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/versions/a/2.0.0") == nil)

        // Pull, re-apply on top of theirs, push against what we saw: accepted.
        try pair.local.repository.fetch(remote: url, refspecs: [Self.namespace])
        #expect(try pair.local.repository.referenceTarget("refs/promptreg-remotes/origin/state") == theirs)
        let rebased = try pair.local.commit(["state": "ours on theirs"], parents: [theirs, ours])
        let fresh = [
            PushUpdate(source: .object(version), destination: "refs/promptreg/versions/a/2.0.0", expectation: .absent),
            PushUpdate(source: .object(rebased), destination: "refs/promptreg/state", expectation: .pointsAt(theirs)),
        ]
        try pair.local.repository.push(remote: url, updates: fresh)
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/state") == rebased)
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/versions/a/2.0.0") == version)
        // The temporary references that carried the objects are gone.
        #expect(try pair.local.repository.references(matching: "refs/gitstore-push/*").isEmpty)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(pair.local.path)/refs/gitstore-push")) == [])
        // A compare-and-swap against a reference the remote does not have is refused too.
        #expect(
            gitError {
                try pair.local.repository.push(
                    remote: url, updates: [PushUpdate(source: .object(base), destination: "refs/promptreg/other", expectation: .pointsAt(base))])
            }?.code == .modified)
    }

    @Test func aForcedPushReplacesWhateverIsThere() throws {
        let pair = try RemotePair()
        let one = try pair.upstream.commit(["f": "1"])
        try pair.upstream.repository.updateReference("refs/test/forced", to: one, expecting: .absent, logMessage: "u")
        let unrelated = try pair.local.commit(["f": "2"])
        try pair.local.repository.push(
            remote: "file://\(pair.upstream.path)",
            updates: [PushUpdate(source: .object(unrelated), destination: "refs/test/forced", expectation: .any)])
        #expect(try pair.upstream.repository.referenceTarget("refs/test/forced") == unrelated)
    }

    @Test func aPushTheServerRefusesThrowsRejectedWithTheHooksMessage() throws {
        let pair = try RemotePair()
        let daemon = try GitDaemon(basePath: pair.base)
        let url = daemon.url("upstream.git")
        let state = try pair.upstream.commit(["state": "1"])
        try pair.upstream.repository.updateReference("refs/promptreg/state", to: state, expecting: .absent, logMessage: "u")
        try pair.installHook("pre-receive", "echo 'promptreg: the state is frozen by policy' >&2\nexit 1")

        let next = try pair.local.commit(["state": "2"], parents: [])
        let error = gitError {
            try pair.local.repository.push(
                remote: url, updates: [PushUpdate(source: .object(next), destination: "refs/promptreg/state", expectation: .pointsAt(state))])
        }
        #expect(error?.code == .rejected)
        #expect(error?.operation == "push to \(url)")
        #expect(error?.message.contains("refs/promptreg/state refused: pre-receive hook declined") == true, "\(String(describing: error))")
        #expect(error?.message.contains("promptreg: the state is frozen by policy") == true, "\(String(describing: error))")
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/state") == state)
    }

    @Test func aRefusalOfOneReferenceLeavesTheOthersAccepted() throws {
        let pair = try RemotePair()
        let daemon = try GitDaemon(basePath: pair.base)
        // The `update` hook runs once per reference: refuse only the state.
        try pair.installHook(
            "update", "if [ \"$1\" = refs/promptreg/state ]; then echo \"no moves of $1 today\" >&2; exit 1; fi")
        let version = try pair.local.commit(["bundle": "v1"])
        let state = try pair.local.commit(["state": "1"])
        let error = gitError {
            try pair.local.repository.push(
                remote: daemon.url("upstream.git"),
                updates: [
                    PushUpdate(source: .object(version), destination: "refs/promptreg/versions/a/1.0.0", expectation: .absent),
                    PushUpdate(source: .object(state), destination: "refs/promptreg/state", expectation: .absent),
                ])
        }
        #expect(error?.code == .rejected)
        #expect(error?.message.contains("refs/promptreg/state refused: hook declined") == true, "\(String(describing: error))")
        #expect(error?.message.contains("no moves of refs/promptreg/state today") == true, "\(String(describing: error))")
        #expect(error?.message.contains("versions") == false, "\(String(describing: error))")
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/versions/a/1.0.0") == version)
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/state") == nil)
    }

    @Test func theServerRechecksTheOldValueWhenItWritesTheReference() throws {
        let pair = try RemotePair()
        let daemon = try GitDaemon(basePath: pair.base)
        let base = try pair.upstream.commit(["state": "base"])
        let theirs = try pair.upstream.commit(["state": "theirs"], parents: [base])
        try pair.upstream.repository.updateReference("refs/promptreg/state", to: base, expecting: .absent, logMessage: "u")
        // Another writer wins the race after the advertisement and before the update: the hook moves
        // the reference (outside the push's quarantine, where git forbids reference updates).
        try pair.installHook(
            "pre-receive",
            "cat >/dev/null\nunset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\n"
                + "git update-ref refs/promptreg/state \(theirs.hex)")
        let ours = try pair.local.commit(["state": "ours"])
        let error = gitError {
            try pair.local.repository.push(
                remote: daemon.url("upstream.git"),
                updates: [PushUpdate(source: .object(ours), destination: "refs/promptreg/state", expectation: .pointsAt(base))])
        }
        #expect(error?.code == .rejected, "\(String(describing: error))")
        #expect(error?.message.contains("refs/promptreg/state refused") == true, "\(String(describing: error))")
        #expect(try pair.upstream.repository.referenceTarget("refs/promptreg/state") == theirs)
    }

    @Test func aServerThatIsNotThereIsUnreachable() throws {
        let temporary = try TemporaryRepository()
        let commit = try temporary.commit(["f": "1"])
        let url = "git://127.0.0.1:\(try freeLoopbackPort())/upstream.git"
        let operations: [(String, () throws -> Void)] = [
            ("fetch from \(url)", { try temporary.repository.fetch(remote: url, refspecs: [Self.namespace]) }),
            ("list references of \(url)", { _ = try temporary.repository.listRemoteReferences(remote: url) }),
            ("push to \(url)", {
                try temporary.repository.push(remote: url, updates: [PushUpdate(source: .object(commit), destination: "refs/x", expectation: .absent)])
            }),
        ]
        for (operation, body) in operations {
            let error = gitError(body)
            #expect(error?.code == .unreachable, "\(String(describing: error))")
            #expect(error?.operation == operation)
        }
        // A path with no repository is unreachable the same way.
        let missing = "\(temporary.path)-missing"
        let error = gitError { try temporary.repository.fetch(remote: missing, refspecs: [Self.namespace]) }
        #expect(error?.code == .unreachable, "\(String(describing: error))")
        #expect(error?.operation == "fetch from \(missing)")
    }
}
