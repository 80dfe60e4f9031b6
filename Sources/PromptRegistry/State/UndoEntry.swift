/// One entry of a channel's undo stack: a change to that channel that `rollback` can revert.
/// Each is its own state file, so pushing or popping one rewrites nothing else.
public struct UndoEntry: Codable, Sendable, Equatable {
    /// One bundle's move.
    public struct Move: Codable, Sendable, Equatable {
        /// The bundle.
        public var bundle: String
        /// The pointer before the change; nil when the bundle was not on the channel.
        public var from: ChannelPointer?
        /// The pointer the change set.
        public var to: ChannelPointer
    }
    /// Format tag.
    public var format = "promptreg.undo/v1"
    /// The state sequence number of the change.
    public var seq: Int64
    /// The bundles it moved.
    public var moves: [Move]

    /// How many changes of one channel can be rolled back, one after another.
    public static let limit = 100
}

extension UndoEntry: StoredDocument {
    var rangeProblem: String? {
        sequenceProblem(seq) ?? moves.lazy.compactMap { $0.from?.rangeProblem ?? $0.to.rangeProblem }.first
    }
}
