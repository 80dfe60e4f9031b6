extension ChannelPlan {
    /// Removes `name`'s pointer on `channel` (a channel deleted, replayed).
    mutating func remove(_ name: String, on channel: String, from: ChannelPointer) {
        setFile(Layout.pointerFile(channel, name), to: nil)
        record(StateChange(bundle: name, channel: channel, from: PointerTarget(from), to: nil))
    }
}
