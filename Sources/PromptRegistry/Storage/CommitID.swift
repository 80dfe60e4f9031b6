import GitStore

/// The id of a commit in the registry's repository (a version commit or a state commit), as the
/// library passes it around. Only the storage layer turns it into libgit2's form.
public struct CommitID: Hashable, Sendable, CustomStringConvertible {
    let object: ObjectID

    init(_ object: ObjectID) { self.object = object }

    /// Parses a full 40-digit hexadecimal id; nil when `hex` is not one.
    public init?(hex: String) {
        guard hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }), let object = ObjectID(hex: hex) else {
            return nil
        }
        self.object = object
    }

    /// The id as 40 lowercase hexadecimal digits.
    public var hex: String { object.hex }

    /// The first 12 digits, for messages.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { hex }
}

/// The id of a tree in the registry's repository; opaque outside the storage layer.
struct TreeID: Hashable, Sendable {
    let object: ObjectID
}

/// The id of a file (blob) in the registry's repository: equal ids mean equal bytes.
struct FileID: Hashable, Sendable {
    let object: ObjectID
}
