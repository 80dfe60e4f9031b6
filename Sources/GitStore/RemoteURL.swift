import Foundation

/// The parts of a remote's URL that credentials and host keys depend on, and the one form of a
/// URL that may leave the process (`redacted`).
///
/// Understands `scheme://[user[:password]@]host[:port]/path` and git's scp-like ssh form
/// `[user@]host:path` (always port 22, as with git and libgit2). A local path has no host.
package struct RemoteURL: Sendable, Equatable {
    /// `ssh`, `https`, `http`, `git`, `file`; `ssh` for the scp-like form; nil for a local path.
    package let scheme: String?
    /// The user name the URL gives, percent-decoded; nil when it gives none.
    package let user: String?
    /// The password (or token) the URL gives, percent-decoded; nil when it gives none.
    package let password: String?
    /// The host, without brackets; nil for a local path.
    package let host: String?
    /// The port the URL gives; nil for the scheme's default.
    package let port: Int?
    /// The path on the server (without the leading `/` of a URL).
    package let path: String

    /// Parses `text`; a string that is neither a URL nor the scp-like form is a local path.
    package init(_ text: String) {
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            let rest = text[schemeEnd.upperBound...]
            let authority = rest.prefix { $0 != "/" }
            let (user, password, hostPort) = Self.splitUserinfo(authority)
            let (host, port) = Self.splitPort(hostPort)
            self.init(
                scheme: scheme, user: user, password: password, host: host.isEmpty ? nil : host, port: port,
                path: String(rest.dropFirst(authority.count).drop { $0 == "/" }))
        } else if let colon = text.firstIndex(of: ":"), !text[..<colon].contains("/"), text[..<colon].count > 1 {
            // scp-like: [user@]host:path. A one-letter "host" is a Windows drive, a slash before the
            // colon a local path (git's own rule).
            let (user, _, host) = Self.splitUserinfo(text[..<colon])
            self.init(
                scheme: "ssh", user: user, password: nil, host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")),
                port: nil, path: String(text[text.index(after: colon)...]))
        } else {
            self.init(scheme: nil, user: nil, password: nil, host: nil, port: nil, path: text)
        }
    }

    private init(scheme: String?, user: String?, password: String?, host: String?, port: Int?, path: String) {
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.path = path
    }

    /// True for `ssh://`, `ssh+git://`, `git+ssh://` and the scp-like form.
    package var isSSH: Bool { ["ssh", "ssh+git", "git+ssh"].contains(scheme ?? "") }

    /// True for `http://` and `https://`.
    package var isHTTP: Bool { scheme == "http" || scheme == "https" }

    /// The host as known_hosts and git's credential protocol name it: `host` on the scheme's
    /// default port, else `host:port` (credentials) or `[host]:port` (known_hosts, `bracketed`).
    package func hostName(bracketed: Bool) -> String? {
        guard let host else { return nil }
        guard let port, port != (isSSH ? 22 : -1) else { return host }
        return bracketed ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `url` as it may be shown or logged: the password or token in its userinfo replaced by `***`
    /// (`https://user:***@host/path`); for http(s), a user name alone is taken as a token too
    /// (`https://***@host/path`), as hosting services accept one there. Anything else is unchanged,
    /// so the stored URL and the shown one differ only in the secret.
    package static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userinfo = authority[..<at]
        let isHTTP = RemoteURL(url).isHTTP
        let shown: String
        if let colon = userinfo.firstIndex(of: ":") {
            shown = "\(userinfo[..<colon]):***"
        } else {
            shown = isHTTP ? "***" : String(userinfo)
        }
        return url[..<schemeEnd.upperBound] + shown + authority[at...] + rest.dropFirst(authority.count)
    }

    /// `text` with every occurrence of `url` replaced by its redacted form (for messages that quote it).
    package static func redacting(_ url: String, in text: String) -> String {
        let redacted = redacted(url)
        guard redacted != url, !url.isEmpty else { return text }
        return text.replacingOccurrences(of: url, with: redacted)
    }

    private static func splitUserinfo(_ authority: Substring) -> (user: String?, password: String?, rest: String) {
        guard let at = authority.lastIndex(of: "@") else { return (nil, nil, String(authority)) }
        let userinfo = authority[..<at]
        let rest = String(authority[authority.index(after: at)...])
        guard let colon = userinfo.firstIndex(of: ":") else { return (decoded(userinfo), nil, rest) }
        return (decoded(userinfo[..<colon]), decoded(userinfo[userinfo.index(after: colon)...]), rest)
    }

    private static func splitPort(_ hostPort: String) -> (host: String, port: Int?) {
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            let host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            return (host, after.hasPrefix(":") ? Int(after.dropFirst()) : nil)
        }
        guard let colon = hostPort.lastIndex(of: ":") else { return (hostPort, nil) }
        return (String(hostPort[..<colon]), Int(hostPort[hostPort.index(after: colon)...]))
    }

    private static func decoded(_ text: Substring) -> String? {
        text.isEmpty ? nil : (String(text).removingPercentEncoding ?? String(text))
    }
}
