import Foundation
import PromptRegistry
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Follows a `promptreg serve` instance (or relay): listens to its `/v1/watch` event stream and,
/// on each state change, fetches every target's answer from its resolve endpoint and verifies
/// the content against its digests. A change arrives as soon as the server sees it. A dropped
/// stream is reopened (resuming with `Last-Event-ID`), backing off up to 60 s while it fails.
public struct ServerFollowSource: FollowSource {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    public let server: URL
    /// When to reconnect after the stream drops.
    public let reconnect: PullSchedule

    /// A source watching `server`; reconnects after 1 s at first, backing off up to 60 s.
    public init(server: URL, reconnect: PullSchedule = PullSchedule(interval: .seconds(1))) {
        self.server = server
        self.reconnect = reconnect
    }

    public func observe(_ targets: [FollowTarget], _ observe: @escaping @Sendable (FollowObservation) async -> Void) async {
        var schedule = reconnect
        var lastEventID: String?
        while !Task.isCancelled {
            var request = URLRequest(url: server.appendingPathComponent("v1/watch"))
            request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
            if let lastEventID { request.setValue(lastEventID, forHTTPHeaderField: "Last-Event-ID") }
            let stream = StreamingRequest(request)
            do {
                var parser = ServerEventParser()
                for try await chunk in stream.chunks {
                    for event in parser.feed(chunk) where event.event == "state" {
                        guard let head = try? JSONDecoder().decode(StateHead.self, from: Data(event.data.utf8)) else { continue }
                        lastEventID = event.id
                        _ = schedule.nextDelay(afterSuccess: true)
                        await observe(await reading(targets, announced: head))
                    }
                }
                throw PromptRegError(.unavailable, "\(RemoteURLs.redacted(server.absoluteString)) closed the watch stream")
            } catch {
                stream.cancel()
                if Task.isCancelled { return }
                await observe(.failed(unreachable(error)))
            }
            try? await Task.sleep(for: schedule.nextDelay(afterSuccess: false))
        }
    }

    /// Every target's answer after the server announced `announced`.
    private func reading(_ targets: [FollowTarget], announced: StateHead) async -> FollowObservation {
        var results: [FollowTarget: Result<ResolvedBundle, PromptRegError>] = [:]
        var head = announced
        do {
            for target in targets {
                let (result, state) = try await answer(target)
                results[target] = result
                if let state, state.seq > head.seq { head = state }
            }
        } catch {
            return .failed(unreachable(error))
        }
        return .answers(state: head, results, syncError: nil)
    }

    /// One target's answer and the state it was read at; throws when the server cannot be asked.
    private func answer(_ target: FollowTarget) async throws -> (Result<ResolvedBundle, PromptRegError>, StateHead?) {
        var components = URLComponents(url: server, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.path = (components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path)
            + "/v1/bundles/\(target.name)/resolve"
        components.queryItems = [URLQueryItem(name: "channel", value: target.channel)]
            + (target.subject.map { [URLQueryItem(name: "subject", value: $0)] } ?? [])
        guard let url = components.url else { throw PromptRegError(.usage, "cannot make a URL for \(target.name) from \(RemoteURLs.redacted(server.absoluteString))") }
        let (data, response) = try await URLSession.shared.data(for: URLRequest(url: url))
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        switch status {
        case 200:
            let result = Result { try ResolvedBundle(verifyingJSON: data) }.mapError(PromptRegError.wrapping)
            let etag = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "ETag")?.trimmingCharacters(in: CharacterSet(charactersIn: "\"W/"))
            let state = (try? result.get()).flatMap { answer in etag.map { StateHead(seq: answer.stateSeq, commit: $0) } }
            return (result, state)
        case 400..<500:
            return (.failure(Self.problem(data, status: status)), nil)
        default:
            throw Self.problem(data, status: status)
        }
    }

    /// The error a problem-details body (RFC 9457) describes.
    private static func problem(_ data: Data, status: Int) -> PromptRegError {
        guard let problem = try? JSONDecoder().decode(ProblemDetails.self, from: data) else {
            return PromptRegError(status == 404 ? .notFound : .unavailable, "the server answered HTTP \(status)")
        }
        if problem.killed == true, let bundle = problem.bundle, let channel = problem.channel, let reason = problem.reason,
            let by = problem.by, let at = problem.at
        {
            return .killed(KillRecord(bundle: bundle, channel: channel, reason: reason, by: by, at: at))
        }
        return PromptRegError(PromptRegError.Code(name: problem.code) ?? .unavailable, problem.detail, fix: problem.fix)
    }

    /// `error` as the reason the server could not be followed.
    private func unreachable(_ error: any Error) -> PromptRegError {
        if let error = error as? PromptRegError { return error }
        return PromptRegError(
            .unavailable, "cannot reach \(RemoteURLs.redacted(server.absoluteString)): \(error.localizedDescription)",
            fix: "check that promptreg serve runs there; answers stay at the last verified state meanwhile")
    }
}
