/// Line-based unified diffs (the format of `diff -u`), built on the standard library's
/// `CollectionDifference`.
enum UnifiedDiff {
    /// The unified diff of `old` and `new` with three lines of context; empty when they are equal.
    static func render(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard a != b else { return "" }
        // Walk both sides and tag each line: ' ' kept, '-' removed, '+' inserted.
        let difference = b.difference(from: a)
        var removed = Set<Int>()
        var inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var lines: [(tag: Character, text: String, oldLine: Int, newLine: Int)] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, removed.contains(i) {
                lines.append(("-", a[i], i, j))
                i += 1
            } else if j < b.count, inserted.contains(j) {
                lines.append(("+", b[j], i, j))
                j += 1
            } else {
                lines.append((" ", a[i], i, j))
                i += 1
                j += 1
            }
        }
        // Group changed lines with their context into hunks.
        var out = ["--- \(oldName)", "+++ \(newName)"]
        let changed = lines.indices.filter { lines[$0].tag != " " }
        var start = 0
        while start < changed.count {
            var end = start
            while end + 1 < changed.count, changed[end + 1] - changed[end] <= 2 * context + 1 { end += 1 }
            let low = max(0, changed[start] - context)
            let high = min(lines.count - 1, changed[end] + context)
            let hunk = lines[low...high]
            let oldCount = hunk.filter { $0.tag != "+" }.count
            let newCount = hunk.filter { $0.tag != "-" }.count
            let first = lines[low]
            let oldStart = oldCount == 0 ? first.oldLine : first.oldLine + 1
            let newStart = newCount == 0 ? first.newLine : first.newLine + 1
            out.append("@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@")
            out += hunk.map { "\($0.tag)\($0.text)" }
            start = end + 1
        }
        return out.joined(separator: "\n")
    }
}
