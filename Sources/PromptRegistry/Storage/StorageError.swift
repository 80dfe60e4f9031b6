import GitStore

/// The one place where libgit2's errors become promptreg errors.
extension PromptRegError {
    /// The promptreg form of a libgit2 failure.
    init(_ error: GitError) {
        switch error.code {
        case .notFound: self.init(.notFound, error.description)
        case .exists, .modified: self.init(.conflict, error.description, fix: "run the command again")
        case .locked:
            self.init(
                .conflict, error.description,
                fix: "another promptreg process is writing; if none is running, the lock file was left by a crash",
                remedy: .repairLocks)
        case .corrupt:
            self.init(.integrity, error.description, fix: "find out what else is damaged", remedy: .verify)
        default: self.init(.storage, error.description, fix: "check the disk (space, permissions) and run the command again")
        }
    }
}

/// Runs a storage call, turning libgit2 errors into promptreg errors.
func translatingGitErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as GitError {
        throw PromptRegError(error)
    }
}
