import Foundation
import PromptRegistry
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// Noticing state changes: the /v1/state long-poll, the /v1/watch event stream, and relay mode
// following an upstream served by git daemon.

@Suite("serve: long-poll, watch stream, relay")
struct WatchTests {
    @Test("a long-poll answers within a second of a promote, and 304 at its timeout")
    func longPoll() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let before = try served.head()
        let answered = Locked<(reply: HTTPReply, at: Date)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let reply = try? Curl.get(server.url + "/v1/state?after=\(before.seq)&wait=20", timeout: 30)
            answered.withLock { $0 = reply.map { ($0, Date()) } }
            done.signal()
        }
        usleep(300_000)
        #expect(answered.withLock { $0 } == nil, "waits while nothing moved")
        try served.cli(["promote", "support-agent@1.0.1", "prod", "-m", "ship"])
        let promoted = Date()
        #expect(done.wait(timeout: .now() + 10) == .success)
        let (reply, at) = try #require(answered.withLock { $0 })
        let after = try served.head()
        #expect(reply.status == 200)
        #expect(reply.object["state_seq"] as? Int == Int(after.seq))
        #expect(reply.object["state_commit"] as? String == after.commit)
        #expect(reply.headers["etag"] == "\"\(after.commit)\"")
        #expect(at.timeIntervalSince(promoted) < 1.0)

        let started = Date()
        let timedOut = try Curl.get(server.url + "/v1/state?after=\(after.seq)&wait=1")
        #expect(timedOut.status == 304)
        #expect(timedOut.headers["etag"] == "\"\(after.commit)\"")
        #expect(Date().timeIntervalSince(started) >= 0.9)
        #expect(Date().timeIntervalSince(started) < 5)
        let behind = try Curl.get(server.url + "/v1/state?after=\(before.seq)&wait=10")
        #expect(behind.status == 200, "a client behind is answered at once")
    }

    @Test("the watch stream sends the current state, then each change; Last-Event-ID resumes")
    func watch() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let first = try served.head()
        let stream = try EventReader(port: server.port)
        let current = try #require(stream.next(timeout: 5))
        #expect(current.id == "\(first.seq)")
        #expect(current.event == "state")
        #expect(current.data["state_commit"] as? String == first.commit)
        try served.cli(["promote", "support-agent@1.0.1", "prod", "-m", "ship"])
        #expect(stream.next(timeout: 5)?.id == "\(try served.head().seq)")
        try served.cli(["rollback", "prod", "-m", "undo"])
        let moved = try served.head()
        let change = try #require(stream.next(timeout: 5))
        #expect(change.id == "\(moved.seq)")
        #expect(change.data["state_seq"] as? Int == Int(moved.seq))
        #expect(change.data["state_commit"] as? String == moved.commit)

        let resumed = try EventReader(port: server.port, lastEventID: "\(first.seq)")
        let caughtUp = try #require(resumed.next(timeout: 2), "a client behind gets the current state at once")
        #expect(caughtUp.id == "\(moved.seq)")
        let upToDate = try EventReader(port: server.port, lastEventID: "\(moved.seq)")
        #expect(upToDate.next(timeout: 1) == nil, "a client up to date gets nothing until the state moves")
        try served.cli(["promote", "reply-verifier@1.0.1", "prod", "-m", "ship"])
        let next = try #require(upToDate.next(timeout: 5))
        #expect(next.id == "\(try served.head().seq)")
    }

    @Test("keep-alive comments flow while nothing moves")
    func keepAlive() throws {
        // The interval is 15 s in production; this checks the comment format with a real wait.
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let stream = try EventReader(port: server.port)
        _ = stream.next(timeout: 5)
        #expect(stream.waitForComment(timeout: 20))
    }

    @Test("relay: serve --follow picks up an upstream change, and keeps serving while the upstream is down")
    func relay() throws {
        let directory = try TemporaryDirectory("promptreg-relay")
        defer { directory.remove() }
        let served = directory.join("served")
        try GitServers.makeUpstream(in: served)
        let daemon = try GitDaemonServer(basePath: served)
        defer { daemon.stop() }
        let seed = try ServedRegistry()
        defer { seed.remove() }
        try seed.cli(["remote", "add", "origin", daemon.url(for: "upstream.git")])
        try seed.cli(["remote", "set-upstream", "origin"])
        try seed.cli(["push"])
        let relayPath = directory.join("relay")
        let clone = try CLI.run(["clone", daemon.url(for: "upstream.git"), relayPath])
        try #require(clone.status == 0, "\(clone.stderr)")
        let server = try RunningServer(registry: relayPath, arguments: ["--follow", "origin", "--interval", "0.3"])
        let before = try Curl.get(server.url + "/v1/state").object["state_seq"] as? Int
        #expect(before == Int(try seed.head().seq))

        try seed.cli(["promote", "support-agent@1.0.1", "prod", "-m", "ship through the upstream"])
        let upstream = try seed.head()
        let moved = try Curl.get(server.url + "/v1/state?after=\(before ?? 0)&wait=15", timeout: 20)
        #expect(moved.status == 200)
        #expect(moved.object["state_commit"] as? String == upstream.commit)
        let resolved = try Curl.get(server.url + "/v1/bundles/support-agent/resolve")
        #expect(resolved.object["version"] as? String == "1.0.1")
        let health = try Curl.get(server.url + "/healthz").object
        #expect(health["following"] as? String == "origin")
        #expect((health["seconds_since_sync"] as? Double).map { $0 < 10 } == true, "\(health)")

        daemon.stop()
        usleep(1_500_000)
        let during = try Curl.get(server.url + "/v1/bundles/support-agent/resolve")
        #expect(during.status == 200, "serves the last good state while the upstream is down")
        #expect(during.object["version"] as? String == "1.0.1")
        let down = try Curl.get(server.url + "/healthz").object
        #expect(down["last_sync_error"] as? String != nil, "\(down)")
        #expect(try Curl.get(server.url + "/metrics").text.contains("promptreg_relay_since_last_sync_seconds"))
    }
}

/// Reads a `/v1/watch` stream over a raw connection, event by event.
final class EventReader {
    struct Event {
        var id: String?
        var event: String?
        var data: [String: Any] = [:]
    }

    private let connection: RawConnection
    private var buffer = ""

    init(port: Int, lastEventID: String? = nil) throws {
        connection = try RawConnection(port: port, timeout: 1)
        let resume = lastEventID.map { "Last-Event-ID: \($0)\r\n" } ?? ""
        connection.send("GET /v1/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\(resume)\r\n")
    }

    /// The next state event, or nil when none came within `timeout` seconds.
    func next(timeout: TimeInterval) -> Event? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let event = takeEvent() { return event }
            guard Date() < deadline, read() else { return nil }
        }
    }

    /// True when a `:` keep-alive comment arrives within `timeout` seconds.
    func waitForComment(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if buffer.contains(":\n\n") { return true }  // no event line ends in ':'; "\r\n" is one Character
            _ = read()
        }
        return false
    }

    /// Reads what arrived (waiting at most the socket timeout); false when the stream ended.
    private func read() -> Bool {
        var bytes = [UInt8](repeating: 0, count: 16384)
        let count = recv(connection.socket, &bytes, bytes.count, 0)
        if count == 0 { return false }
        if count > 0 { buffer += String(decoding: bytes[0..<count], as: UTF8.self) }
        return true
    }

    /// Takes the first complete `state` event out of the buffer (chunk framing lines are skipped).
    private func takeEvent() -> Event? {
        guard let start = buffer.range(of: "id: "), let end = buffer.range(of: "\n\n", range: start.upperBound..<buffer.endIndex) else { return nil }
        let block = buffer[start.lowerBound..<end.lowerBound]
        buffer.removeSubrange(buffer.startIndex..<end.upperBound)
        var event = Event()
        for line in block.split(separator: "\n") {
            if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
            if line.hasPrefix("event: ") { event.event = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") {
                event.data = (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any] ?? [:]
            }
        }
        return event
    }
}
