extension Registry {
    /// Recomputes every digest of every version and checks every pointer and the state history.
    /// Never throws for damage it finds: it reports each problem and carries on. A state that
    /// passes every check and is newer than the accepted-state mark becomes the accepted one, so
    /// a registry that receives pushes (a shared upstream) refuses a later rewind.
    public func verify() throws -> VerifyReport {
        try withStore { store in
            let snapshot: StateSnapshot
            let mark: AcceptedState?
            do {
                mark = try store.acceptedState()
                snapshot = try StateSnapshot.current(store)
            } catch let error as PromptRegError {
                return VerifyReport(
                    versionsChecked: 0, stateCommitsChecked: 0, problems: [.init(subject: "state", layer: nil, message: error.message)],
                    warnings: [])
            }
            var check = RegistryCheck(store: store, snapshot: snapshot, mark: mark)
            // Read afresh, not from this process's cache: verify is about what is on disk now.
            let reader = VersionReader(store: store)
            let recordedRefs = try check.versions { name, record in _ = try reader.verifiedBundle(name, record) }
            try check.pointers()
            let stateCommits = check.stateHistory()
            check.stateReflog()
            try check.unrecordedVersionRefs(recorded: recordedRefs)
            if check.problems.isEmpty, !check.sawNewer, let seq = try? snapshot.event().seq, (try? store.checkAccepted(snapshot.commit, seq: seq, against: mark)) == true {
                store.rememberChecked(snapshot.commit, .policy)
                try? store.accept(snapshot.commit, seq: seq)
            }
            return VerifyReport(
                versionsChecked: check.versionsChecked, stateCommitsChecked: stateCommits, problems: check.problems,
                warnings: check.warnings)
        }
    }
}

/// The steps of `verify`, each adding what it finds to `problems` or `warnings`.
private struct RegistryCheck {
    let store: RegistryStore
    let snapshot: StateSnapshot
    /// The accepted-state mark, read before the state.
    let mark: AcceptedState?
    var problems: [VerifyReport.Problem] = []
    var warnings: [VerifyReport.Problem] = []
    var versionsChecked = 0
    /// Set when the history holds a commit of a newer promptreg: what follows it is not checked.
    var sawNewer = false
    /// Set when the state is found to have gone backwards: unrecorded version refs are then
    /// evidence of the lost state, not interrupted publishes.
    var wentBackwards = false

    init(store: RegistryStore, snapshot: StateSnapshot, mark: AcceptedState?) {
        self.store = store
        self.snapshot = snapshot
        self.mark = mark
    }

    private mutating func problem(_ subject: String, _ message: String, layer: LayerKind? = nil) {
        problems.append(.init(subject: subject, layer: layer?.rawValue, message: message))
    }

    /// Reads and verifies every recorded version; returns the version refs the state records.
    mutating func versions(_ verify: (String, VersionRecord) throws -> Void) throws -> Set<String> {
        var recorded = Set<String>()
        for name in try snapshot.bundleNames() {
            let versions = try snapshot.versions(of: name)
            do {
                let kept = try snapshot.document(SemanticVersion.self, at: Layout.highestFile(name))
                if let kept, kept != versions.last {
                    problem(name, "the state says its highest version is \(kept), but its highest published version is \(versions.last.map(\.description) ?? "none")")
                }
            } catch let error as PromptRegError where error.code == .integrity {
                problem(name, error.message)
            }
            for version in versions {
                versionsChecked += 1
                recorded.insert(Layout.versionRef(name, version))
                do {
                    guard let record = try snapshot.versionRecord(name, version) else { continue }
                    try verify(name, record)
                } catch let error as PromptRegError where error.code == .integrity || error.code == .notFound {
                    problem("\(name)@\(version)", error.message, layer: error.subject.layer)
                }
            }
        }
        return recorded
    }

    /// Version refs the state does not record: a publish that stopped before its state commit, or
    /// a ref promptreg never wrote (its name is no valid bundle name and version).
    mutating func unrecordedVersionRefs(recorded: Set<String>) throws {
        for (refName, _) in try store.references(matching: Layout.allVersionRefs) where !recorded.contains(refName) {
            let message =
                if Layout.parseVersionRef(refName) == nil {
                    "is not a valid version ref (no valid bundle name and version); promptreg ignores it: remove it with 'git update-ref -d'"
                } else if wentBackwards {
                    "version ref is not recorded in the state, which went backwards (see above): the state that recorded it was lost; restore the state before publishing again"
                } else {
                    "version ref is not recorded in the state (a publish was interrupted); publishing the same content again finishes it, other content skips past it"
                }
            warnings.append(.init(subject: Names.printable(refName), layer: nil, message: message))
        }
    }

    /// Every pointer of every channel names a published version with the digest it was published with.
    mutating func pointers() throws {
        for channel in try snapshot.channels() {
            for name in try snapshot.pointerNames(channel) {
                do {
                    guard let pointer = try snapshot.pointer(channel, name) else { continue }
                    let record = try snapshot.versionRecord(name, pointer.version)
                    if record?.digest != pointer.digest {
                        problem(
                            "\(name)@\(pointer.version)",
                            "channel \(channel) points at it with digest \(pointer.digest), but it was published as \(record.map { $0.digest.description } ?? "nothing")")
                    }
                } catch let error as PromptRegError where error.code == .integrity {
                    problem("\(name) on \(channel)", error.message)
                }
            }
        }
    }

    /// Replays the whole state history from its first commit (see `StateHistory`): every
    /// problem of every commit is reported. Returns how many commits were checked.
    mutating func stateHistory() -> Int {
        var history = StateHistory(store: store, trust: .policy)
        do {
            let (checked, found) = try history.problems(after: nil, to: snapshot.commit, stopAtFirst: false)
            for each in found {
                if each.newer {
                    sawNewer = true
                    warnings.append(.init(subject: "state", layer: nil, message: "\(each.sentence); this promptreg checks the history up to the state before it: upgrade to check the rest"))
                } else {
                    problem("state", each.sentence)
                }
            }
            return checked
        } catch let error as PromptRegError {
            problem("state", error.message)
        } catch {
            problem("state", "\(error)")
        }
        return 0
    }

    /// True for a move that re-applied local changes on top of a remote's state (`pull`/`push`):
    /// the old head's newest event is found again, re-applied, in the new head's history.
    private func isRebase(_ move: ReferenceLogEntry, from old: CommitID) -> Bool {
        guard move.message.hasPrefix("promptreg rebase"), let replayed = try? StateSnapshot.at(old, store).event() else { return false }
        var current = try? StateSnapshot.at(move.new, store)
        for _ in 0..<1_000 {
            guard let state = current, let event = try? state.event(), event.seq > 0 else { return false }
            if (event.action, event.actor, event.time, event.message) == (replayed.action, replayed.actor, replayed.time, replayed.message) {
                return true
            }
            current = try? state.parent()
        }
        return false
    }

    /// Every recorded move of the state ref went forward (to a descendant: a fast-forward of
    /// several commits by a fetch or a push is fine), and the ref still holds the value of its
    /// newest recorded move. A ref that differs, or a history of moves that is missing while the
    /// state has moved, means the state may have gone backwards outside promptreg.
    mutating func stateReflog() {
        let moves = (try? store.moves(of: Layout.stateRef)) ?? []
        for move in moves {
            guard let old = move.old else { continue }
            if (try? store.isDescendant(move.new, of: old)) != true, !isRebase(move, from: old) {
                wentBackwards = true
                problem(
                    "state",
                    "the state went backwards: the state ref was moved from \(old.short) to \(move.new.short), which does not descend from it (the history was rewound or replaced)")
            }
        }
        if let seq = try? snapshot.event().seq {
            do {
                _ = try store.checkAccepted(snapshot.commit, seq: seq, against: mark)
            } catch let error as PromptRegError {
                wentBackwards = true
                problem("state", error.message)
            } catch {
                problem("state", "\(error)")
            }
        }
        if let newest = moves.last, newest.new != snapshot.commit, newest.old == snapshot.commit {
            // libgit2 records the move before it renames the ref into place: a writer killed in
            // between leaves the record of a move that never happened. The ref still holds the
            // old value, which the accepted-state mark check above has vetted.
            warnings.append(
                .init(
                    subject: "state", layer: nil,
                    message: "the last recorded move of the state ref (to \(newest.new.short)) did not complete: a writer was interrupted; nothing was lost"))
        } else if let newest = moves.last, newest.new != snapshot.commit,
            (try? store.isDescendant(snapshot.commit, of: newest.new)) == true
        {
            warnings.append(
                .init(
                    subject: "state", layer: nil,
                    message: "the state ref moved forward from \(newest.new.short) to \(snapshot.commit.short) without a recorded move (a copy by stock git, or an interrupted write)"))
        } else if let newest = moves.last, newest.new != snapshot.commit {
            wentBackwards = true
            problem(
                "state",
                "the state went backwards or was replaced outside promptreg: the state ref holds \(snapshot.commit.short), but its last recorded move was to \(newest.new.short)")
        } else if moves.isEmpty, let seq = try? snapshot.event().seq, seq > 0 {
            warnings.append(
                .init(
                    subject: "state", layer: nil,
                    message: "the state ref has no recorded moves (a copy made by stock git, or an expired reflog), so verify cannot tell whether it went backwards; the accepted-state mark (promptreg-accepted-state.json) guards it from now on"))
        }
    }
}
