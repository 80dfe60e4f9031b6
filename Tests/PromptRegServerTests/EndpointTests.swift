import Foundation
import PromptRegistry
import TestSupport
import Testing

// `promptreg-server serve` as a process against curl: every endpoint says what the command line's
// --json says, state-dependent answers carry the state commit as ETag, and errors are problem details.

@Suite("serve endpoints")
struct EndpointTests {
    @Test("every read endpoint answers what the CLI's --json prints")
    func sameAsCLI() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let pairs: [(path: String, cli: [String])] = [
            ("/v1/bundles", ["list", "--json"]),
            ("/v1/bundles/support-agent/versions", ["versions", "support-agent", "--json"]),
            ("/v1/bundles/support-agent/versions/1.0.1", ["show", "support-agent@1.0.1", "--json"]),
            ("/v1/status", ["status", "--json"]),
            ("/v1/log?n=5", ["log", "-n", "5", "--json"]),
            ("/v1/log?n=3&bundle=reply-verifier&channel=prod", ["log", "reply-verifier", "--channel", "prod", "-n", "3", "--json"]),
            ("/v1/bundles/support-agent/resolve", ["resolve", "support-agent", "--json"]),
            ("/v1/bundles/support-agent/resolve?channel=canary", ["resolve", "support-agent", "--channel", "canary", "--json"]),
        ]
        for (path, arguments) in pairs {
            let reply = try Curl.get(server.url + path)
            #expect(reply.status == 200, "\(path)")
            #expect(reply.headers["content-type"] == "application/json", "\(path)")
            let expected = try JSONSerialization.jsonObject(with: Data(try served.cli(arguments).stdout.utf8))
            #expect(sameJSON(reply.json, expected), "\(path): \(reply.text.prefix(300))")
        }
        let digest = try #require(try Curl.get(server.url + "/v1/bundles/support-agent/versions/1.0.0").object["digest"] as? String)
        let byDigest = try Curl.get(server.url + "/v1/bundles/support-agent/digests/\(digest.dropFirst("sha256:".count))")
        let shown = try JSONSerialization.jsonObject(with: Data(try served.cli(["show", "support-agent@\(digest)", "--json"]).stdout.utf8))
        #expect(byDigest.status == 200)
        #expect(sameJSON(byDigest.json, shown))
    }

    @Test("resolve with a subject equals `promptreg resolve --subject --json`, bucket included, for subjects on both sides")
    func subjects() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        var channels: Set<String> = []
        for index in 0..<24 {
            let subject = index == 0 ? "u1" : "user \(index)/ü?&=%"
            let query = subject.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let reply = try Curl.get(server.url + "/v1/bundles/support-agent/resolve?channel=prod&subject=\(query)")
            let expected = try JSONSerialization.jsonObject(
                with: Data(try served.cli(["resolve", "support-agent", "--subject", subject, "--json"]).stdout.utf8))
            #expect(reply.status == 200)
            #expect(sameJSON(reply.json, expected), "subject \(subject): \(reply.text.prefix(200))")
            let bucket = try #require(reply.object["bucket"] as? Double)
            #expect(abs(bucket - Canary.bucket(bundle: "support-agent", subject: subject)) < 1e-9)
            if let channel = reply.object["channel"] as? String { channels.insert(channel) }
        }
        #expect(channels == ["prod", "canary"])
    }

    @Test("ETag is the state commit; If-None-Match answers 304 until the state moves")
    func etags() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let head = try served.head()
        let paths = ["/v1/bundles", "/v1/status", "/v1/bundles/support-agent/resolve?subject=u1", "/v1/state", "/v1/log"]
        for path in paths {
            let first = try Curl.get(server.url + path)
            #expect(first.headers["etag"] == "\"\(head.commit)\"", "\(path)")
            #expect(first.headers["cache-control"] == "no-cache", "\(path)")
            let again = try Curl.get(server.url + path, headers: ["If-None-Match": "\"\(head.commit)\""])
            #expect(again.status == 304, "\(path)")
            #expect(again.body.isEmpty, "\(path)")
        }
        try served.cli(["promote", "support-agent@1.0.1", "prod", "-m", "ship"])
        let moved = try served.head()
        let after = try Curl.get(server.url + "/v1/bundles/support-agent/resolve", headers: ["If-None-Match": "\"\(head.commit)\""])
        #expect(after.status == 200)
        #expect(after.headers["etag"] == "\"\(moved.commit)\"")
        #expect(after.object["version"] as? String == "1.0.1")
        #expect(after.object["state_seq"] as? Int == Int(moved.seq))
    }

    @Test("errors are problem details with the CLI's code and a fix")
    func problems() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        let cases: [(path: String, status: Int, code: String)] = [
            ("/v1/bundles/no-such-bundle/versions", 404, "not-found"),
            ("/v1/bundles/no-such-bundle/resolve", 404, "not-found"),
            ("/v1/bundles/support-agent/resolve?channel=prdo", 404, "not-found"),
            ("/v1/bundles/support-agent/resolve?channel=Bad_Channel", 400, "invalid-input"),
            ("/v1/bundles/support-agent/versions/9.9.9", 404, "not-found"),
            ("/v1/bundles/support-agent/versions/not-a-version", 400, "invalid-input"),
            ("/v1/bundles/support-agent/digests/abc", 400, "invalid-input"),
            ("/v1/bundles/support-agent/digests/\(String(repeating: "0", count: 64))", 404, "not-found"),
            ("/v1/bundles/..%2F..%2Fetc%2Fpasswd/versions", 400, "invalid-input"),
            ("/v1/bundles/%2e%2e/versions", 400, "invalid-input"),
            ("/v1/bundles/a%00b/resolve", 400, "invalid-input"),
            ("/v1/bundles/a%1b%5b2J/resolve", 400, "invalid-input"),
            ("/v1/bundles/%ff%fe/resolve", 400, "usage"),
            ("/v1/bundles/\(String(repeating: "a", count: 5000))/resolve", 400, "invalid-input"),
            ("/v1/log?n=0", 400, "usage"),
            ("/v1/log?n=abc", 400, "usage"),
            ("/v1/state?after=-1", 400, "usage"),
            ("/v1/state?after=0&wait=1e9", 400, "usage"),
            ("/v1/no-such-endpoint", 404, "not-found"),
            ("/", 404, "not-found"),
        ]
        for (path, status, code) in cases {
            let reply = try Curl.get(server.url + path)
            #expect(reply.status == status, "\(path): \(reply.text.prefix(200))")
            #expect(reply.headers["content-type"] == "application/problem+json", "\(path)")
            let problem = reply.object
            #expect(problem["code"] as? String == code, "\(path): \(reply.text.prefix(200))")
            #expect(problem["status"] as? Int == status, "\(path)")
            #expect(problem["type"] as? String == "https://promptreg.dev/problems/\(code)", "\(path)")
            #expect((problem["title"] as? String)?.isEmpty == false, "\(path)")
            #expect((problem["detail"] as? String)?.isEmpty == false, "\(path)")
        }
        let unknown = try Curl.get(server.url + "/v1/bundles/no-such-bundle/resolve").object
        #expect(unknown["bundle"] as? String == "no-such-bundle")
        #expect(unknown["fix"] as? String != nil)
        let channel = try Curl.get(server.url + "/v1/bundles/support-agent/resolve?channel=prdo").object
        #expect(channel["channel"] as? String == "prdo")
    }

    @Test("healthz and metrics")
    func healthAndMetrics() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        let server = try RunningServer(registry: served.path)
        _ = try Curl.get(server.url + "/v1/bundles")
        _ = try Curl.get(server.url + "/v1/bundles/nope/resolve")
        let health = try Curl.get(server.url + "/healthz")
        #expect(health.status == 200)
        #expect(health.object["status"] as? String == "ok")
        #expect((health.object["state"] as? [String: Any])?["state_seq"] as? Int == Int(try served.head().seq))
        let metrics = try Curl.get(server.url + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains("promptreg_http_requests_total{route=\"/v1/bundles\",status=\"200\"} 1"), "\(metrics.text)")
        #expect(metrics.text.contains("promptreg_http_requests_total{route=\"/v1/bundles/{name}/resolve\",status=\"404\"} 1"), "\(metrics.text)")
        #expect(metrics.text.contains("promptreg_http_request_duration_seconds_bucket"))
        #expect(metrics.text.contains("promptreg_state_seq \(try served.head().seq).0"))
    }

    @Test("SIGTERM and SIGINT stop the server cleanly, also with a watch stream open")
    func shutdown() throws {
        let served = try ServedRegistry()
        defer { served.remove() }
        for signal in [SIGTERM, SIGINT] {
            let server = try RunningServer(registry: served.path)
            let stream = try RawConnection(port: server.port)
            stream.send("GET /v1/watch HTTP/1.1\r\nHost: x\r\n\r\n")
            usleep(200_000)
            let started = Date()
            #expect(server.stop(signal) == 0, "\(server.standardError)")
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }

    @Test("a registry that does not exist fails at start, naming it")
    func noRegistry() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: TestFailure.self) { try RunningServer(registry: directory.join("missing"), timeout: 10) }
    }
}
