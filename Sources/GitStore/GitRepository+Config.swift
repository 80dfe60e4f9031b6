import CLibGit2

extension GitRepository {
    /// The string value of `key` in the repository's config (with the global and system files
    /// beneath it); nil when it is not set.
    package func configValue(_ key: String) throws -> String? {
        try readConfig(key) { git_config_get_string_buf($0, $1, key) }
    }

    /// The value of `key` read as a path, as git reads one (`~/` expanded); nil when it is not set
    /// or empty.
    func configPath(_ key: String) throws -> String? {
        try readConfig(key) { git_config_get_path($0, $1, key) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The value of `key` read as a boolean, as git reads one (`true`, `yes`, `on`, `1`...); nil
    /// when it is not set.
    func configFlag(_ key: String) throws -> Bool? {
        try withGitObject("open config", make: { git_repository_config(&$0, handle) }, free: git_config_free) { config in
            var value: Int32 = 0
            let result = git_config_get_bool(&value, config, key)
            if result == GIT_ENOTFOUND.rawValue { return nil }
            try check(result, "read config \(key)")
            return value != 0
        }
    }

    /// The config file level `key`'s value comes from (the repository's, global, system); nil when
    /// it is not set.
    func configLevel(_ key: String) throws -> git_config_level_t? {
        try withGitObject("open config", make: { git_repository_config(&$0, handle) }, free: git_config_free) { config in
            var entry: UnsafeMutablePointer<git_config_entry>?
            let result = git_config_get_entry(&entry, config, key)
            if result == GIT_ENOTFOUND.rawValue { return nil }
            try check(result, "read config \(key)")
            defer { git_config_entry_free(entry) }
            return entry?.pointee.level
        }
    }

    /// Every value of the multi-valued `key`, from the system file to the repository's (git's
    /// order), as `credential.helper` is read.
    func configValues(_ key: String) throws -> [String] {
        try withGitObject("open config", make: { git_repository_config(&$0, handle) }, free: git_config_free) { config in
            try withGitObject(
                "read config \(key)", make: { git_config_multivar_iterator_new(&$0, config, key, nil) },
                free: git_config_iterator_free
            ) { iterator in
                var values: [(level: Int32, value: String)] = []
                var entry: UnsafeMutablePointer<git_config_entry>?
                while git_config_next(&entry, iterator) == 0, let found = entry?.pointee {
                    values.append((found.level.rawValue, found.value.map { String(cString: $0) } ?? ""))
                }
                git_error_clear()
                // Stable: values of one file keep their order.
                return values.enumerated().sorted { ($0.element.level, $0.offset) < ($1.element.level, $1.offset) }
                    .map(\.element.value)
            }
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

    /// The value `read` puts in a buffer for `key`; nil when it is not set.
    private func readConfig(
        _ key: String, _ read: (UnsafeMutablePointer<git_buf>, OpaquePointer) -> Int32
    ) throws -> String? {
        try withGitObject("open config", make: { git_repository_config(&$0, handle) }, free: git_config_free) { config in
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            let result = read(&buffer, config)
            if result == GIT_ENOTFOUND.rawValue { return nil }
            try check(result, "read config \(key)")
            return buffer.ptr.map { String(cString: $0) }
        }
    }
}
