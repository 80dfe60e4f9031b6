/// One reference to set on a remote by `push(remote:updates:)`, with what the remote must hold first.
package struct PushUpdate: Sendable, Equatable {
    /// What to send: an object, or the object a local reference points at.
    package enum Source: Sendable, Equatable {
        /// This object (and everything it reaches that the remote lacks). libgit2 1.5 pushes only
        /// references, so it goes through a temporary local reference under `refs/gitstore-push/`
        /// that the push removes when it returns.
        case object(ObjectID)
        /// The object the local reference with this full name points at, e.g. `refs/promptreg/state`.
        case reference(String)
    }

    /// What the remote's reference must hold for the update to be sent.
    package enum Expectation: Sendable, Equatable {
        /// The reference must not exist on the remote (create-only).
        case absent
        /// The reference must point at this object on the remote (compare-and-swap).
        case pointsAt(ObjectID)
        /// Whatever the remote holds is replaced (forced).
        case any
    }

    /// What to send.
    package let source: Source
    /// The full name of the reference to set on the remote, e.g. `refs/promptreg/versions/a/1.0.0`.
    package let destination: String
    /// What the remote's reference must hold first.
    package let expectation: Expectation

    /// Creates an update of `destination` on the remote to `source`, sent only when `expectation` holds.
    package init(source: Source, destination: String, expectation: Expectation) {
        self.source = source
        self.destination = destination
        self.expectation = expectation
    }

    /// The push refspec sending the local reference `source`: forced (`+`) unless the reference
    /// is created, because the remote's current value is checked against `expectation` before
    /// anything is sent.
    func refspec(source: String) -> String {
        "\(expectation == .absent ? "" : "+")\(source):\(destination)"
    }

    /// Throws `.exists` or `.modified` for `operation` when the remote's current value `remote`
    /// (nil: no such reference) does not meet `expectation`.
    func check(remote: ObjectID?, _ operation: String) throws {
        switch (expectation, remote) {
        case (.any, _), (.absent, nil):
            return
        case (.absent, let current?):
            throw GitError(
                code: .exists, message: "\(destination) already exists on the remote (at \(current.hex))",
                operation: operation)
        case (.pointsAt(let expected), let current):
            guard current != expected else { return }
            throw GitError(
                code: .modified,
                message: "\(destination) on the remote is at \(current?.hex ?? "nothing"), expected \(expected.hex)",
                operation: operation)
        }
    }
}
