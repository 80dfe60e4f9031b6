import Foundation
import GitStore

/// A configured remote: its name and URL.
public struct RemoteInfo: Sendable, Codable, Equatable {
    /// The remote's name, e.g. `origin`.
    public let name: String
    /// Where it is: a path, `file://`, `git://`, `http(s)://` or `ssh://` URL, with any password or
    /// token in it redacted (`RemoteURLs.redacted`); the stored config keeps the URL as given.
    public let url: String
    /// True for the remote every write goes through.
    public let upstream: Bool
}

/// The one form of a remote's URL that may leave the process.
public enum RemoteURLs {
    /// `url` with the password or token in its userinfo replaced by `***` (`https://user:***@host/path`;
    /// an http(s) user name alone counts as a token: `https://***@host/path`); other URLs and
    /// paths unchanged. Use it wherever a URL is shown or logged.
    public static func redacted(_ url: String) -> String { RemoteURL.redacted(url) }
}

/// One reference update sent by a push.
struct RemoteUpdate {
    /// The local commit sent.
    let commit: CommitID
    /// The reference it becomes on the remote.
    let reference: String
    /// What the remote's reference must hold first: absent (create-only) or this commit.
    let guarded: ReferenceGuard
}

extension RegistryStore {
    /// Where a remote's refs land on fetch: `refs/promptreg-remotes/<remote>/...`, never the local refs.
    static func trackingPrefix(_ remote: String) -> String { "refs/promptreg-remotes/\(remote)/" }

    /// The tracking ref of `reference` (`refs/promptreg/...`) fetched from `remote`.
    static func trackingRef(_ reference: String, remote: String) -> String {
        trackingPrefix(remote) + reference.dropFirst("refs/promptreg/".count)
    }

    /// Adds remote `name` at `url`, fetching promptreg's refs into its own namespace. With
    /// `acceptingNewHostKey`, an ssh server whose host key is not known yet is connected to first
    /// and its key recorded in known_hosts (a changed key is refused; nothing is added then).
    func addRemote(_ name: String, url: String, acceptingNewHostKey: Bool = false) throws {
        try remoteCall {
            if acceptingNewHostKey { try repository.acceptNewHostKey(of: url) }
            try repository.addRemote(
                named: name, url: url, fetchRefspec: "+refs/promptreg/*:\(Self.trackingPrefix(name))*")
        }
    }

    /// Every configured remote, sorted by name, with which one is the upstream.
    func remotes() throws -> [RemoteInfo] {
        let upstream = try upstream()
        return try remoteCall { try repository.remotes() }.map {
            RemoteInfo(name: $0.name, url: RemoteURL.redacted($0.url), upstream: $0.name == upstream)
        }
    }

    /// The URL of remote `name`; nil when there is no such remote.
    func remoteURL(_ name: String) throws -> String? {
        try remoteCall { try repository.remoteURL(named: name) }
    }

    /// Removes remote `name` and its tracking refs (and the upstream setting when it was the upstream).
    func removeRemote(_ name: String) throws {
        try remoteCall {
            try repository.removeRemote(named: name)
            for reference in try repository.references(matching: Self.trackingPrefix(name) + "*") {
                try repository.deleteReference(reference.name)
            }
            if try repository.configValue(Self.upstreamKey) == name { try repository.removeConfig(Self.upstreamKey) }
        }
    }

    private static let upstreamKey = "promptreg.upstream"

    /// The remote every write goes through; nil when the registry is local only.
    func upstream() throws -> String? {
        try remoteCall { try repository.configValue(Self.upstreamKey) }
    }

    /// Makes remote `name` the upstream.
    func setUpstream(_ name: String) throws {
        try remoteCall { try repository.setConfig(Self.upstreamKey, to: name) }
    }

    /// The file whose modification time is when this registry last completed a fetch (advisory:
    /// it says how old a clone's view is; nothing relies on it for correctness, so it is not fsync'd).
    static let lastFetchFile = "promptreg-last-fetch"

    /// When the last fetch of this registry completed; nil when none did.
    func lastFetchTime() -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: "\(path)/\(Self.lastFetchFile)"))?[.modificationDate] as? Date
    }

    /// Fetches every promptreg ref of `remote` into its tracking namespace, and records when.
    func fetch(_ remote: String) throws {
        try remoteCall { _ = try repository.fetch(remote: remote, refspecs: ["+refs/promptreg/*:\(Self.trackingPrefix(remote))*"]) }
        FileManager.default.createFile(atPath: "\(path)/\(Self.lastFetchFile)", contents: Data("\(remote)\n".utf8))
    }

    /// Sends `updates` to `remote` in one push. A remote reference that no longer holds what an
    /// update expects is a lost race (nothing pushed); a server that refuses a reference throws.
    func push(_ updates: [RemoteUpdate], to remote: String) throws -> ReferenceMove {
        guard !updates.isEmpty else { return .moved }
        let pushes = updates.map { update in
            let expectation: PushUpdate.Expectation =
                switch update.guarded {
                case .absent: .absent
                case .at(let commit): .pointsAt(commit.object)
                }
            return PushUpdate(source: .object(update.commit.object), destination: update.reference, expectation: expectation)
        }
        do {
            _ = try repository.push(remote: remote, updates: pushes)
            return .moved
        } catch let error as GitError where error.code == .modified || error.code == .exists {
            return .lostRace
        } catch let error as GitError where error.code == .rejected && Self.isLostRace(error.message) {
            // The server re-checks the old value under its own lock: another writer got there
            // between the negotiation and the write.
            return .lostRace
        } catch let error as GitError {
            throw Self.remoteError(error)
        }
    }

    /// True for a server's refusal that means the reference moved under the push (as opposed to
    /// a hook or a policy refusing it).
    private static func isLostRace(_ message: String) -> Bool {
        let reasons = ["failed to update ref", "cannot lock ref", "fetch first", "non-fast-forward", "stale info", "already exists"]
        return !message.contains("hook declined") && reasons.contains { message.contains($0) }
    }

    /// Deletes `reference` locally when it still points at `commit` (used to drop a version ref
    /// this process created and could not publish).
    func deleteReference(_ reference: String, ifAt commit: CommitID) throws {
        guard try target(of: reference) == commit else { return }
        try translatingGitErrors { try repository.deleteReference(reference) }
    }

    /// Runs a call that may talk to a remote, turning its errors into promptreg errors.
    private func remoteCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GitError {
            throw Self.remoteError(error)
        }
    }

    /// The promptreg form of a failure while talking to a remote.
    private static func remoteError(_ error: GitError) -> PromptRegError {
        if let refusal = error.hostKey {
            let fix =
                switch refusal.kind {
                case .unknown:
                    "check the fingerprint with the server's owners (on the server: ssh-keygen -lf its host key), then add this line to \(refusal.file): \(refusal.line)"
                case .changed(let file, let line):
                    "ask the server's owners whether its key changed; only if it did, replace line \(line) of \(file) with: \(refusal.line)"
                }
            return PromptRegError(
                .unavailable, error.description, fix: fix, remedy: refusal.kind == .unknown ? .acceptNewHostKey : nil)
        }
        if error.code == .certificateMismatch {
            return PromptRegError(
                .unavailable, error.description,
                fix: "use the host name the server's certificate was issued for in the URL, or give the server a certificate for the name in the URL")
        }
        if error.code == .unreachable || error.code == .auth || error.code == .certificate {
            return PromptRegError(
                .unavailable, error.description,
                fix: error.code == .unreachable
                    ? "check that the server is up and the URL is right; local reads keep working from this copy"
                    : error.code == .certificate
                        ? "trust the CA that signed the server's certificate, where the message says the CA file was chosen"
                        : "check the credentials for this remote: an ssh key the server authorizes (in the ssh-agent or a key file), "
                            + "or for https a credential helper's, a token's or the URL's user and password")
        }
        if error.code == .rejected {
            return PromptRegError(
                .refused, error.description,
                fix: "the server refused the change (a hook or a protected ref); nothing was written there; ask its owners")
        }
        return PromptRegError(error)
    }
}
