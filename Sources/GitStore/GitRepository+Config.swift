import CLibGit2

extension GitRepository {
    /// The string value of `key` in the repository's config (with the global and system files
    /// beneath it); nil when it is not set.
    package func configValue(_ key: String) throws -> String? {
        try withGitObject("open config", make: { git_repository_config(&$0, handle) }, free: git_config_free) { config in
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            let result = git_config_get_string_buf(&buffer, config, key)
            if result == GIT_ENOTFOUND.rawValue { return nil }
            try check(result, "read config \(key)")
            return buffer.ptr.map { String(cString: $0) }
        }
    }

    /// Removes `key` from the repository's own config file; nothing happens when it is not set.
    package func removeConfig(_ key: String) throws {
        try withGitObject("open config", make: { git_repository_config(&$0, handle) }, free: git_config_free) { config in
            let result = git_config_delete_entry(config, key)
            if result == GIT_ENOTFOUND.rawValue { return }
            try check(result, "remove config \(key)")
        }
    }
}
