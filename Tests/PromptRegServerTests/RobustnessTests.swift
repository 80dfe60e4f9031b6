import Foundation
import PromptRegistry
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// Hostile and heavy clients on loopback, bounded in time and count: the server answers 4xx (or
// closes) and never 5xx, keeps serving others, and its memory stays bounded.

@Suite("serve robustness", .serialized)
struct RobustnessTests {
    @Test("malformed request lines, paths and percent-encoding, a 100 KB query: no 5xx, still serving")
    func malformed() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let requests = [
            "GET /v1/bundles/%ZZ/versions HTTP/1.1", "GET /v1/bundles/%/resolve HTTP/1.1", "GET /v1/bundles/%00/resolve HTTP/1.1",
            "GET /v1/bundles/%C0%AF/resolve HTTP/1.1", "GET //v1//bundles// HTTP/1.1", "GET /v1/bundles/../../etc/passwd HTTP/1.1",
            "GET /v1/bundles/a/resolve?channel=%ZZ&subject=%FF HTTP/1.1", "GET /v1/bundles/a/resolve?subject HTTP/1.1",
            "GET /v1/log?n=99999999999999999999999 HTTP/1.1", "GET /v1/state?after=1&wait=nan HTTP/1.1",
            "GET /v1/state?after=1&wait=-1 HTTP/1.1", "GET * HTTP/1.1", "GET http://127.0.0.1/v1/bundles HTTP/1.1",
            "POST /v1/bundles HTTP/1.1", "DELETE /v1/bundles/support-agent/versions HTTP/1.1", "BREW /v1/bundles HTTP/1.1",
            "GET /v1/bundles HTTP/9.9", "GET /v1/bundles", "\u{1}\u{2}\u{3}", "GET /v1/bundles/\u{1b}[2J/resolve HTTP/1.1",
            "GET /v1/bundles?\(String(repeating: "q=x&", count: 25_000)) HTTP/1.1",
            "GET /v1/bundles/support-agent/resolve?subject=\(String(repeating: "s", count: 100_000)) HTTP/1.1",
        ]
        for line in requests {
            let connection = try RawConnection(port: server.port)
            connection.send("\(line)\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let status = connection.status()
            #expect(status == 0 || (200..<500).contains(status), "\(line.prefix(60)): \(status)")
        }
        let health = try Curl.get(server.url + "/healthz")
        #expect(health.status == 200)
        #expect(server.process.isRunning)
    }

    @Test("1000 idle connections held open while normal requests still succeed")
    func idleConnections() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        var idle: [RawConnection] = []
        for index in 0..<1000 {
            let connection = try RawConnection(port: server.port)
            if index % 2 == 0 { connection.send("GET /v1/bund") }  // half of them stop mid-request
            idle.append(connection)
        }
        for _ in 0..<20 {
            let started = Date()
            let reply = try Curl.get(server.url + "/v1/bundles/support-agent/resolve?subject=u1", timeout: 5)
            #expect(reply.status == 200)
            #expect(Date().timeIntervalSince(started) < 2)
        }
        #expect(server.process.isRunning)
        idle.removeAll()
        #expect(try Curl.get(server.url + "/healthz").status == 200)
    }

    @Test("a client sending its headers a byte at a time does not hold up others")
    func slowClient() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let slow = try RawConnection(port: server.port)
        let request = Array("GET /v1/bundles HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: \(String(repeating: "x", count: 40))\r\nConnection: close\r\n\r\n".utf8)
        let finished = DispatchSemaphore(value: 0)
        let slowStatus = Locked(0)
        Thread.detachNewThread {
            for byte in request {
                slow.send([byte])
                usleep(20_000)
            }
            slowStatus.withLock { $0 = slow.status() }
            finished.signal()
        }
        for _ in 0..<20 {
            let started = Date()
            #expect(try Curl.get(server.url + "/v1/status", timeout: 5).status == 200)
            #expect(Date().timeIntervalSince(started) < 1)
            usleep(50_000)
        }
        #expect(finished.wait(timeout: .now() + 30) == .success)
        #expect(slowStatus.withLock { $0 } == 200, "the slow client is answered too")
    }

    @Test("memory stays bounded through a burst of requests with many distinct subjects and names")
    func memory() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        _ = try Curl.get(server.url + "/v1/bundles/support-agent/resolve?subject=warm")
        let before = server.residentKilobytes
        let threads = 4
        let perThread = 1500
        let group = DispatchGroup()
        let failures = Locked(0)
        for thread in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for index in 0..<perThread {
                    guard let connection = try? RawConnection(port: server.port) else {
                        failures.withLock { $0 += 1 }
                        continue
                    }
                    let path =
                        index % 3 == 0
                        ? "/v1/bundles/support-agent/resolve?subject=s-\(thread)-\(index)"
                        : index % 3 == 1 ? "/v1/bundles/b-\(thread)-\(index)/versions" : "/v1/bundles/support-agent/versions/1.0.\(index)"
                    connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    let status = connection.status()
                    if status == 0 || status >= 500 { failures.withLock { $0 += 1 } }
                }
            }
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        #expect(failures.withLock { $0 } == 0)
        let after = server.residentKilobytes
        #expect(after - before < 64 * 1024, "RSS grew from \(before) kB to \(after) kB")
        #expect(try Curl.get(server.url + "/healthz").status == 200)
    }
}
