/// A reference that a fetch created, moved or deleted in the local repository.
package struct ReferenceUpdate: Sendable, Equatable {
    /// The full local reference name, e.g. `refs/promptreg-remotes/origin/state`.
    package let name: String
    /// The value before the fetch; nil when the fetch created the reference.
    package let old: ObjectID?
    /// The value after the fetch; nil when the fetch deleted the reference.
    package let new: ObjectID?
}
