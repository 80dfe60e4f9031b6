import Foundation
import CLibGit2

/// What libgit2 tells a fetch or push through its remote callbacks, collected for the caller, the
/// push expectations it checks on the way, the credentials it offers and the ssh host key check.
/// Lent to the callbacks through a `CallbackBridge`.
final class RemoteCallbacks {
    /// The operation, for errors thrown from callbacks (e.g. `push to git://host/repo`; the URL redacted).
    let operation: String
    /// What the operation offers a server that asks for credentials.
    let credentials: RemoteCredentials
    /// The remote's URL.
    private let url: RemoteURL
    /// Where credentials and known hosts are found.
    private let settings: RemoteSettings
    /// The push's expectations by destination reference; empty for a fetch.
    private let updates: [String: PushUpdate]
    /// Text the server sent on its progress side band: hook output, "remote:" lines.
    private(set) var serverMessages = ""
    /// Local references the fetch changed, in libgit2's order.
    private(set) var updatedReferences: [ReferenceUpdate] = []
    /// Remote references the server refused, with its reason.
    private(set) var refusals: [(reference: String, reason: String)] = []

    /// Callbacks for `operation` on the remote at `url`, offering credentials and checking ssh host
    /// keys as `settings` say, and checking `updates` (destinations must be distinct) in the push
    /// negotiation.
    init(operation: String, url: String, settings: RemoteSettings, updates: [PushUpdate] = []) {
        self.operation = operation
        self.url = RemoteURL(url)
        self.settings = settings
        credentials = RemoteCredentials(url: self.url, settings: settings)
        self.updates = Dictionary(updates.map { ($0.destination, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// libgit2's callback table, every entry calling back into the bridge at `payload` (whose
    /// handlers are these callbacks). `certificate_check` is set for ssh only, where it checks the
    /// host key against known_hosts: for https, libgit2's verdict on the server's certificate
    /// (against the CA file `CertificateLocations` loaded) stands and cannot be overridden.
    func table(payload: UnsafeMutableRawPointer) -> git_remote_callbacks {
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
        table.credentials = { out, _, user, allowed, payload in
            Bridge.callback(payload) {
                try $0.credentials.next(out, usernameFromURL: user.map { String(cString: $0) }, allowed: allowed, $0.operation)
            }
        }
        if url.isSSH {
            table.certificate_check = { certificate, _, _, payload in
                Bridge.callback(payload) { try $0.checkHostKey(certificate) }
            }
        }
        return table
    }

    /// Accepts the ssh server's host key when a known_hosts file trusts it for this host, or when
    /// it is unknown and the settings accept a new one (its line is then appended); otherwise
    /// throws `.hostKey` with the key's fingerprint and the line that would trust it.
    private func checkHostKey(_ certificate: UnsafeMutablePointer<git_cert>?) throws {
        let host = url.hostName(bracketed: true) ?? "?"
        // Anything but a libssh2 host key with its raw blob cannot be checked, so it is refused.
        let hostKey = certificate.flatMap { certificate in
            certificate.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2
                ? UnsafeRawPointer(certificate).assumingMemoryBound(to: git_cert_hostkey.self).pointee : nil
        }
        guard let hostKey, hostKey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostKey.hostkey, hostKey.hostkey_len > 0
        else {
            throw GitError(code: .hostKey, message: "libgit2 gave no ssh host key of \(host) to check", operation: operation)
        }
        let key = SSHHostKey(blob: Data(bytes: raw, count: hostKey.hostkey_len))
        guard let refusal = settings.knownHosts.refusal(of: key, host: host) else { return }
        if refusal.kind == .unknown && settings.acceptsNewHostKey {
            try settings.knownHosts.append(refusal.line)
            return
        }
        let message =
            switch refusal.kind {
            case .unknown:
                "the ssh host key of \(host) is not known (\(key.type) key \(key.fingerprint)); no line for it in \(settings.knownHosts.files.joined(separator: " or "))"
            case .changed(let file, let line):
                "the ssh host key of \(host) changed: the server presents \(key.type) key \(key.fingerprint), "
                    + "\(file) line \(line) knows another (the server's key was replaced, or someone is intercepting the connection)"
            }
        throw GitError(code: .hostKey, message: message, operation: operation, hostKey: refusal)
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
