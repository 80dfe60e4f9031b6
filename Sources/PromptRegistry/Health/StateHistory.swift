import Crypto
import Foundation

/// Whose rules a state history is checked by.
enum HistoryTrust: Equatable {
    /// As `verify`, writers and pulls check it: each commit signed as its parent's trust policy
    /// demands (nothing before the first policy), and allowed by it.
    case policy
    /// As a host with a trust anchor (the allowed_signers file it ships with): everything
    /// `policy` checks, and every commit signed by a key the anchor allows at its time, allowed
    /// by its parent's trust policy with the principals the anchor gives that key.
    case anchor(AllowedSigners)

    /// The key under which the newest commit verified this way is remembered in the
    /// accepted-state mark: one per anchor file content.
    var markKey: String {
        switch self {
        case .policy: "policy"
        case .anchor(let signers):
            "anchor:"
                + Digest(
                    of: Array(
                        signers.entries.map { entry in
                            [entry.principals.joined(separator: ","), entry.key.fingerprint, "\(entry.validAfter?.timeIntervalSince1970 ?? -1)",
                             "\(entry.validBefore?.timeIntervalSince1970 ?? -1)", entry.namespaces?.joined(separator: ",") ?? "*"].joined(separator: " ")
                        }.joined(separator: "\n").utf8)
                ).hex.prefix(16)
        }
    }
}

/// What is wrong with one state commit.
struct StateProblem {
    /// The state commit.
    let commit: CommitID
    /// Its sequence number, when its event could be read.
    let seq: Int64?
    /// What is wrong, as a sentence.
    let message: String
    /// True when the commit records an action a newer promptreg wrote: not damage, but nothing
    /// after it can be checked by this version.
    let newer: Bool

    /// The problem as a sentence naming the commit.
    var sentence: String { "state commit \(commit.short)\(seq.map { " (seq \($0))" } ?? ""): \(message)" }
}

/// Replays a state history: each commit must be linked to its parent by sequence number, not
/// earlier than its parent, no more than `allowedSkew` ahead of this clock, exactly the tree
/// `StateTransition` derives from its parent and its event (events before 0.4: only the paths
/// it lists), and signed and allowed as `trust` and its parent's trust policy demand. The one
/// check `verify`, writers, pulls, trusting resolves, followers and the server run.
struct StateHistory {
    let store: RegistryStore
    let trust: HistoryTrust
    /// Parsed trust policies, by file.
    private var signatures = SignatureCheck()

    /// How far ahead of the verifier's clock a commit's time may be.
    static let allowedSkew: TimeInterval = 300
    /// The longest history walked back to find where checking starts.
    static let walkLimit = 1_000_000

    init(store: RegistryStore, trust: HistoryTrust) {
        self.store = store
        self.trust = trust
    }

    /// The state commits after `trusted` (nil: from the first) up to and including `head`, oldest
    /// first. When `head` does not descend from `trusted`, every commit from the first.
    func commits(after trusted: CommitID?, to head: CommitID) throws -> [StateSnapshot] {
        var found: [StateSnapshot] = []
        var current: StateSnapshot? = try StateSnapshot.at(head, store)
        while let state = current, state.commit != trusted {
            found.append(state)
            guard found.count <= Self.walkLimit else {
                throw PromptRegError(.integrity, "the state history is longer than \(Self.walkLimit) commits", fix: "restore the state from a clone", remedy: .verify)
            }
            current = try state.parent()
        }
        return found.reversed()
    }

    /// How many commits after `trusted` up to `head` were checked, and every problem found, oldest
    /// first; with `stopAtFirst`, at most one. Nothing after a commit from a newer promptreg is checked.
    mutating func problems(
        after trusted: CommitID?, to head: CommitID, stopAtFirst: Bool, now: Date = Date()
    ) throws -> (checked: Int, problems: [StateProblem]) {
        let commits = try commits(after: trusted, to: head)
        var found: [StateProblem] = []
        var parent = try commits.first?.parent()
        var sawCurrentFormat = try parent.map { try $0.event().format != StateEvent.legacyFormat } ?? false
        // Under an anchor, the first trust policy's commit (which the anchor must sign) endorses
        // the history before it; a history that never had a policy is signed throughout.
        let endorsed = try StateSnapshot.at(head, store).trustPolicy() != nil
        for (index, state) in commits.enumerated() {
            let problems = check(state, parent: parent, endorsed: endorsed, sawCurrentFormat: &sawCurrentFormat, now: now)
            found += problems
            if problems.contains(where: \.newer) || (stopAtFirst && !found.isEmpty) {
                return (index + 1, Array(found.prefix(stopAtFirst ? 1 : found.count)))
            }
            parent = state
        }
        return (commits.count, found)
    }

    /// The problems of `state`, whose first parent is `parent`.
    private mutating func check(
        _ state: StateSnapshot, parent: StateSnapshot?, endorsed: Bool, sawCurrentFormat: inout Bool, now: Date
    ) -> [StateProblem] {
        var seq: Int64?
        var messages: [String] = []
        do {
            let event = try state.event()
            seq = event.seq
            guard event.action.isKnown else {
                // Its change cannot be replayed here, but who signed it can be checked: an
                // unsigned "newer" commit under a policy is damage, not a newer writer.
                let signed = try signatureProblems(state, event, parent: parent, endorsed: endorsed)
                return signed.map { StateProblem(commit: state.commit, seq: seq, message: $0, newer: false) }
                    + [StateProblem(commit: state.commit, seq: seq, message: StateTransition.newer(event).message, newer: true)]
            }
            let parentSeq = try parent?.event().seq
            if state.parents.count > 1 { messages.append("it has \(state.parents.count) parents; state history is linear") }
            if parentSeq.map({ event.seq != $0 + 1 }) ?? (event.seq != 0) {
                messages.append("sequence \(event.seq) follows \(parentSeq.map(String.init) ?? "no parent"): the history was rewritten or truncated")
            }
            if let parent, state.time < parent.time {
                messages.append("its time \(Timestamp.string(state.time)) is earlier than its parent's (\(Timestamp.string(parent.time))): commit times never go back")
            }
            if state.time > now.addingTimeInterval(Self.allowedSkew) {
                messages.append("its time \(Timestamp.string(state.time)) is more than \(Int(Self.allowedSkew)) s ahead of this clock")
            }
            if event.isLegacy {
                if sawCurrentFormat { messages.append("its event has the format of promptreg before 0.4, after events of the current format") }
                if let mismatch = try EventReplayCheck(store: store).problem(state, event) { messages.append(mismatch) }
            } else {
                sawCurrentFormat = true
                if let mismatch = try treeProblem(state, event, parent: parent) { messages.append(mismatch) }
                messages += try recordProblems(state, event)
            }
            messages += try signatureProblems(state, event, parent: parent, endorsed: endorsed)
        } catch let error as PromptRegError {
            messages.append(error.message)
        } catch {
            messages.append("\(error)")
        }
        return messages.map { StateProblem(commit: state.commit, seq: seq, message: $0, newer: false) }
    }

    /// Who signed `state` and what its parent's policy let them do: the policy's own rules always;
    /// with an anchor, its signatures too (a superset), except for the history before the first
    /// policy when the head has one (`endorsed`: that policy's signed commit vouches for it).
    private mutating func signatureProblems(_ state: StateSnapshot, _ event: StateEvent, parent: StateSnapshot?, endorsed: Bool) throws -> [String] {
        let authority = try signatures.authority(after: parent)
        var messages = try signatures.problems(state, event, parent: parent, signers: .policy(authority))
        if case .anchor(let anchor) = trust, !(endorsed && authority == nil && event.action != .trustPolicy) {
            let anchored = try signatures.problems(state, event, parent: parent, signers: .reader(anchor, policy: authority?.policy))
            messages += anchored.filter { !messages.contains($0) }
        }
        return messages
    }

    /// What is wrong with how `state` records its event, so that every tool reads one story:
    /// `event.json` in canonical form (no duplicate keys, whitespace or numbers in another form;
    /// unknown fields, from a newer writer, are allowed), the event's time not later than the
    /// commit's, and the commit message the one the event gives (what `git log` shows).
    private func recordProblems(_ state: StateSnapshot, _ event: StateEvent) throws -> [String] {
        var problems: [String] = []
        if let bytes = try store.file(Layout.eventFile, in: state.tree),
            (try? JSONValue(parsing: bytes, file: Layout.eventFile))?.canonicalBytes != Array(bytes)
        {
            problems.append("its \(Layout.eventFile) is not canonical JSON (duplicate keys, whitespace or a number in another form): other tools could read another event from it")
        }
        if let eventTime = Timestamp.date(event.time), eventTime > state.time.addingTimeInterval(2) {
            problems.append("its event's time \(event.time) is later than its commit's (\(Timestamp.string(state.time)))")
        }
        if try store.commit(state.commit).message != event.commitMessage {
            problems.append("its commit message is not the one its event gives: git log would show another change than the event records")
        }
        return problems
    }

    /// How `state`'s tree differs from the one its event gives on `parent`; nil when identical.
    private func treeProblem(_ state: StateSnapshot, _ event: StateEvent, parent: StateSnapshot?) throws -> String? {
        var files: [String: [UInt8]?]
        do {
            files = try StateTransition.files(for: event, on: parent)
        } catch let error as PromptRegError where error.code == .integrity {
            guard let parent else { return error.message }
            let changed = try store.changedFiles(from: parent.tree, to: state.tree).filter { $0 != Layout.eventFile }
            return "\(error.message) (its tree changes \(changed.isEmpty ? "nothing" : changed.prefix(3).joined(separator: ", ")))"
        }
        guard let eventFile = try store.file(Layout.eventFile, in: state.tree) else { return "it has no \(Layout.eventFile)" }
        files[Layout.eventFile] = Array(eventFile)
        guard let paths = try store.differences(of: state.tree, from: files, on: parent?.tree) else { return nil }
        let shown = paths.prefix(3).joined(separator: ", ")
        return "its tree is not what its event (\(event.action), \(event.changes.count) change(s)) gives on its parent state: it differs at \(paths.isEmpty ? "an entry that is not a file" : shown)\(paths.count > 3 ? " and \(paths.count - 3) more" : "")"
    }
}

extension RegistryStore {
    /// Checks the state history up to `head` by `trust`, from the newest commit this handle or
    /// the accepted-state mark remembers as checked that way (from the first commit otherwise),
    /// and remembers `head` as checked. Throws the first problem: `integrity` naming the commit
    /// and why, or `newerFormat`.
    func checkHistory(to head: CommitID, trust: HistoryTrust) throws {
        let key = trust.markKey
        if checkedHeads[key] == head { return }
        let from = try checkedHeads[key] ?? acceptedState()?.checked?[key].flatMap(CommitID.init(hex:))
        if from != head {
            var history = StateHistory(store: self, trust: trust)
            if let problem = try history.problems(after: from, to: head, stopAtFirst: true).problems.first {
                throw PromptRegError(
                    problem.newer ? .newerFormat : .integrity, "untrusted state: \(problem.sentence)",
                    fix: problem.newer
                        ? "upgrade promptreg to read this registry's newest state"
                        : "do not use this state: check the history, and restore the state ref from a trusted clone",
                    remedy: problem.newer ? .upgrade : .verify)
            }
        }
        rememberChecked(head, trust)
    }

    /// Remembers that the history up to `head` passed the checks of `trust` (in this handle and
    /// in the accepted-state mark, best effort).
    func rememberChecked(_ head: CommitID, _ trust: HistoryTrust) {
        if checkedHeads.count >= 16 { checkedHeads.removeAll() }
        checkedHeads[trust.markKey] = head
        // An anchor's checks include the policy's.
        if trust != .policy { checkedHeads[HistoryTrust.policy.markKey] = head }
        try? rememberChecked(head, as: Array(Set([trust.markKey, HistoryTrust.policy.markKey])))
    }

    /// Checks the history up to `head` against this handle's trust anchor, when it has one.
    func checkAnchored(_ head: CommitID) throws {
        if let trustAnchor { try checkHistory(to: head, trust: .anchor(trustAnchor)) }
    }
}
