import Foundation
import Testing

@testable import GitStore

/// A bare repository in a fresh temporary directory, removed when the value is released: keep the
/// value itself alive for as long as its `repository` is used.
final class TemporaryRepository {
    /// The repository's git directory.
    let path: String
    /// The open repository.
    let repository: GitRepository

    /// Creates a bare repository at `path` (default: a fresh temporary directory) with every
    /// reference update logged, as promptreg configures it.
    init(path: String = (NSTemporaryDirectory() as NSString).appendingPathComponent("gitstore-\(UUID().uuidString)"))
        throws
    {
        self.path = path
        repository = try GitRepository.initBare(at: path)
        try repository.setConfig("core.logAllRefUpdates", to: "always")
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A fixed author, so commit ids are reproducible within a test.
    static let author = GitSignature(name: "Tess Ter", email: "tess@example.com", time: Date(timeIntervalSince1970: 1_700_000_000))

    /// Writes a commit whose tree holds `files` (path to text) on top of `parents`.
    func commit(_ files: [String: String], parents: [ObjectID] = [], message: String = "commit\n") throws -> ObjectID {
        let changes = try files.sorted { $0.key < $1.key }.map { path, text in
            TreeChange(path: path, blob: try repository.writeBlob(Data(text.utf8)))
        }
        let tree = try repository.updateTree(nil, changes: changes)
        return try repository.createCommit(tree: tree, parents: parents, author: Self.author, message: message)
    }
}

/// Runs `body` and returns the `GitError` it threw; records an issue and returns nil when it threw none.
func gitError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> GitError? {
    do {
        try body()
        Issue.record("expected a GitError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as GitError {
        return error
    } catch {
        Issue.record("expected a GitError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
