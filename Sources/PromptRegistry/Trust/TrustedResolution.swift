import Foundation

extension Registry {
    /// Opens the registry at `path` and resolves `request`, refusing state that `signers` (the
    /// allowed_signers file the agent ships with) do not trust; nil resolves as
    /// `resolve(_:registry:)` does. The one call a trusting agent makes at startup.
    public static func resolve(_ request: ResolveRequest, registry path: String, trusting signers: AllowedSigners?) throws -> ResolvedBundle {
        try open(at: path).resolve(request, trusting: signers)
    }

    /// Resolves `request` as `resolve(_:)` does, refusing state that `signers` do not trust (see
    /// `resolve(_:trusting:)` for the requests).
    public func resolve(_ request: ResolveRequest, trusting signers: AllowedSigners?) throws -> ResolvedBundle {
        try resolve([request], trusting: signers)[0]
    }

    /// Resolves `requests` from one state commit as `resolve(_:)` does, and with `signers` refuses
    /// (code `integrity`, saying which commit and why) a state they do not trust: the head state
    /// commit must be signed by a key they allow (namespace `git`, at its committer time); for a
    /// channel answer, so must the state commit that last moved the answering pointer, which must
    /// also be a move the trust policy in force then (its parent's) let the principals `signers`
    /// give that key make. Pinned requests (a version, a digest, a pin file) check the head only.
    /// Without `signers`, nothing more is checked. Verified state commits are remembered, so a
    /// repeated resolve of an unmoved state stays one ref read.
    public func resolve(_ requests: [ResolveRequest], trusting signers: AllowedSigners?) throws -> [ResolvedBundle] {
        guard let signers else { return try resolve(requests) }
        return try resolve(requests, vetting: { answer, head, store in try self.vet(answer, at: head, trusting: signers, store) })
    }

    /// How far back a trusted resolve looks for the commit that last moved a pointer.
    static let trustedWalkLimit = 10_000

    /// Refuses `answer`, read at state commit `head`, unless `signers` trust it (see
    /// `resolve(_:trusting:)`). Call under `withStore`.
    private func vet(_ answer: ResolvedBundle, at head: CommitID, trusting signers: AllowedSigners, _ store: RegistryStore) throws {
        trustedStates.reset(unless: signers)
        let headCheck = TrustedStates.Check(state: head, bundle: nil, channel: nil)
        if !trustedStates.passed.contains(headCheck) {
            let snapshot = try StateSnapshot.at(head, store)
            let verdict = try store.signatureVerdict(of: head, signers: signers, at: snapshot.time)
            if let problem = SignatureCheck.problem(verdict, required: true) {
                throw Self.untrusted("the head state commit \(head.short) (seq \(answer.stateSeq)): \(problem)", signers, answer)
            }
            trustedStates.pass(headCheck)
        }
        guard let channel = answer.channel else { return }
        let check = TrustedStates.Check(state: head, bundle: answer.name, channel: channel)
        guard !trustedStates.passed.contains(check) else { return }
        let path = Layout.pointerFile(channel, answer.name)
        let file = try store.fileID(path, in: try store.commit(head).tree)
        if let mover = try lastChange(of: path, holding: file, from: head, known: trustedStates.pointers[check.pointer], store) {
            let parent = try mover.parent()
            let policy = try trustedStates.policies.authority(after: parent)?.policy
            let event = try mover.event()
            if let problem = try trustedStates.policies.problems(mover, event, parent: parent, signers: .reader(signers, policy: policy)).first {
                throw Self.untrusted(
                    "state commit \(mover.commit.short) (seq \(event.seq)), which last moved \(channel) of \(answer.name): \(problem)", signers, answer)
            }
        }
        trustedStates.pass(check)
        trustedStates.pointers[check.pointer] = (file, head)
    }

    /// The state commit at or before `head` that last changed the file at `path` (which holds
    /// `file` at `head`), walking first parents; nil when the walk reaches `known`, the commit at
    /// which the same file was verified before. Fails closed past `trustedWalkLimit` commits.
    private func lastChange(
        of path: String, holding file: FileID?, from head: CommitID, known: (file: FileID?, at: CommitID)?, _ store: RegistryStore
    ) throws -> StateSnapshot? {
        var current = try StateSnapshot.at(head, store)
        for _ in 0..<Self.trustedWalkLimit {
            if let known, known.at == current.commit, known.file == file { return nil }
            guard let parent = try current.parent(), try store.fileID(path, in: parent.tree) == file else { return current }
            current = parent
        }
        throw PromptRegError(
            .integrity,
            "\(path) was last moved more than \(Self.trustedWalkLimit) state commits before the head \(head.short); a trusted resolve does not look further, so it cannot tell who moved it",
            fix: "resolve the version pinned (NAME@VERSION checks the head's signature only), or move the channel again with a signed promote",
            remedy: .verify)
    }

    /// The error for an answer read from state `signers` do not trust.
    private static func untrusted(_ reason: String, _ signers: AllowedSigners, _ answer: ResolvedBundle) -> PromptRegError {
        PromptRegError(
            .integrity, "untrusted state: \(reason)",
            fix: "do not run it: someone \(signers.source) does not trust wrote or moved it. Check the history with 'promptreg verify'; if the signer should be trusted, add its key to \(signers.source)",
            remedy: .verify, subject: .init(bundle: answer.name, channel: answer.channel))
    }
}

/// What trusted resolves of one `Registry` verified: state commits whose signature passed and
/// channel answers whose last move passed, against one allowed_signers list (another list starts
/// afresh). Only touched under the registry's store lock.
struct TrustedStates {
    /// One passed check: a head signature (no bundle), or the last move of a pointer at a head.
    struct Check: Hashable {
        /// The head state commit.
        let state: CommitID
        /// The bundle, for a pointer check.
        let bundle: String?
        /// The answering channel, for a pointer check.
        let channel: String?

        /// The pointer this check is about.
        var pointer: String { "\(channel ?? "")/\(bundle ?? "")" }
    }

    private var signers: AllowedSigners?
    /// The checks that passed.
    private(set) var passed: Set<Check> = []
    /// Per pointer, the newest head at which its last move was verified and the file it held
    /// then: a later head walks back only to there.
    var pointers: [String: (file: FileID?, at: CommitID)] = [:]
    /// The trust policies met, parsed once each.
    var policies = SignatureCheck()
    private static let limit = 1_024

    /// Forgets everything unless it was verified against `signers`.
    mutating func reset(unless signers: AllowedSigners) {
        guard self.signers != signers else { return }
        self = TrustedStates()
        self.signers = signers
    }

    /// Records a passed check.
    mutating func pass(_ check: Check) {
        if passed.count >= Self.limit { passed.removeAll(keepingCapacity: true) }
        passed.insert(check)
    }
}
