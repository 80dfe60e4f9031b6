import Foundation

/// A pin file (written by `promptreg lock`): exact versions and digests, so a deployment resolves
/// exactly what was tested. Not to be confused with git's `.lock` files.
public struct PinFile: Sendable, Codable, Hashable {
    /// One pinned bundle.
    public struct Pin: Sendable, Codable, Hashable {
        /// Bundle name.
        public let name: String
        /// Version.
        public let version: SemanticVersion
        /// Bundle digest.
        public let digest: Digest

        /// Pins `name` to `version` with `digest`.
        public init(name: String, version: SemanticVersion, digest: Digest) {
            self.name = name
            self.version = version
            self.digest = digest
        }
    }
    /// Format tag (kept from the first release, when these were called lock files).
    public var format = PinFile.currentFormat
    /// The format tag this version of promptreg reads and writes.
    public static let currentFormat = "promptreg.lock/v1"
    /// The channel the pins were read from.
    public var channel: String
    /// The pins.
    public var bundles: [Pin]

    /// Pins of `bundles`, read from `channel`.
    public init(channel: String, bundles: [Pin]) {
        self.channel = channel
        self.bundles = bundles
    }

    /// Reads a pin file; errors name the file.
    public static func read(from path: String) throws -> PinFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PromptRegError(
                .notFound, "\(path): pin file not found", fix: "write one", remedy: .writePinFile(bundles: []),
                subject: .init(file: path))
        }
        let pins = try CanonicalJSON.decode(PinFile.self, from: data, file: path)
        guard pins.format == currentFormat else {
            throw PromptRegError.invalid(
                file: path, field: "format", "unknown format '\(Names.printable(pins.format))'", fix: "write the pin file again",
                remedy: .writePinFile(bundles: []))
        }
        return pins
    }
}
