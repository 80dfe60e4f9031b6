import Foundation
import CLibGit2

/// What libgit2 tells a fetch or push through its remote callbacks, collected for the caller, and the
/// push expectations it checks on the way. Lent to the callbacks through a `CallbackBridge`.
final class RemoteCallbacks {
    /// The operation, for errors thrown from callbacks (e.g. `push to git://host/repo`).
    let operation: String
    /// The push's expectations by destination reference; empty for a fetch.
    private let updates: [String: PushUpdate]
    /// Text the server sent on its progress side band: hook output, "remote:" lines.
    private(set) var serverMessages = ""
    /// Local references the fetch changed, in libgit2's order.
    private(set) var updatedReferences: [ReferenceUpdate] = []
    /// Remote references the server refused, with its reason.
    private(set) var refusals: [(reference: String, reason: String)] = []

    /// Callbacks for `operation`, checking `updates` (destinations must be distinct) in the push negotiation.
    init(operation: String, updates: [PushUpdate] = []) {
        self.operation = operation
        self.updates = Dictionary(updates.map { ($0.destination, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// libgit2's callback table, every entry calling back into the bridge at `payload`.
    /// No `certificate_check`: libgit2's verdict on a server's certificate (against the CA file
    /// `CertificateLocations` loaded) stands and cannot be overridden.
    static func table(payload: UnsafeMutableRawPointer) -> git_remote_callbacks {
        typealias Bridge = CallbackBridge<RemoteCallbacks>
        var table = git_remote_callbacks()
        git_remote_init_callbacks(&table, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        table.payload = payload
        table.sideband_progress = { text, length, payload in
            Bridge.callback(payload) { $0.receiveSideband(text, length) }
        }
        table.update_tips = { name, old, new, payload in
            Bridge.callback(payload) { try $0.recordTip(name, old, new) }
        }
        table.push_negotiation = { updates, count, payload in
            Bridge.callback(payload) { try $0.negotiate(updates, count) }
        }
        table.push_update_reference = { name, status, payload in
            Bridge.callback(payload) { $0.recordStatus(name, status) }
        }
        return table
    }

    private func receiveSideband(_ text: UnsafePointer<CChar>?, _ length: Int32) {
        guard let text, length > 0 else { return }
        let bytes = UnsafeRawBufferPointer(start: text, count: Int(length))
        serverMessages += String(decoding: bytes, as: UTF8.self)
    }

    private func recordTip(_ name: UnsafePointer<CChar>?, _ old: UnsafePointer<git_oid>?, _ new: UnsafePointer<git_oid>?)
        throws
    {
        guard let name else { return }
        let old = try ObjectID(old, operation)
        let new = try ObjectID(new, operation)
        updatedReferences.append(
            ReferenceUpdate(name: String(cString: name), old: old.isZero ? nil : old, new: new.isZero ? nil : new))
    }

    /// Checks the remote's advertised value of every reference about to be pushed against its
    /// expectation; a throw here stops the push before anything is sent.
    private func negotiate(_ proposed: UnsafeMutablePointer<UnsafePointer<git_push_update>?>?, _ count: Int) throws {
        guard let proposed else { return }
        for index in 0..<count {
            guard let update = proposed[index]?.pointee, let name = update.dst_refname.map({ String(cString: $0) })
            else { continue }
            // In a git_push_update, `src` is the remote's current value and `dst` the one pushed.
            let remote = ObjectID(update.src)
            try updates[name]?.check(remote: remote.isZero ? nil : remote, operation)
        }
    }

    private func recordStatus(_ name: UnsafePointer<CChar>?, _ status: UnsafePointer<CChar>?) {
        // A nil status means the server accepted the reference.
        guard let status else { return }
        refusals.append((name.map { String(cString: $0) } ?? "?", String(cString: status)))
    }

    /// Throws `.rejected` for `operation` when the server refused any reference, with its reasons
    /// and what it printed.
    func throwIfRefused() throws {
        guard !refusals.isEmpty else { return }
        var message = refusals.map { "\($0.reference) refused: \($0.reason)" }.joined(separator: "; ")
        let printed = serverMessages.trimmingCharacters(in: .whitespacesAndNewlines)
        if !printed.isEmpty { message += "; the server said: \(printed)" }
        throw GitError(code: .rejected, message: message, operation: operation)
    }
}
