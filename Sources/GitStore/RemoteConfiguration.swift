/// A remote recorded in the repository's config (`remote.<name>.url`).
package struct RemoteConfiguration: Sendable, Equatable {
    /// The remote's name, e.g. `origin`.
    package let name: String
    /// Where it is: a path, `file://`, `git://`, `http(s)://` or `ssh://` URL.
    package let url: String
}
