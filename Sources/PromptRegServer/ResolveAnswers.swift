import Foundation
import Hummingbird
import PromptRegistry

/// Resolve answers from memory at any request rate: per state, one verified answer per bundle and
/// answering channel, encoded once with a gap where the subject's canary bucket goes, and the
/// canary traffic of every bundle. A request costs one SHA-256 (the bucket) and a copy. The
/// answer is the one `Registry.resolve` gives for the same request, byte for byte.
struct ResolveAnswers: Sendable {
    /// The encoded answer of one bundle's channel, and the same answer split where `bucket` goes.
    struct ChannelAnswer: Sendable {
        let reply: Reply
        let aroundBucket: (before: ByteBuffer, after: ByteBuffer)?

        /// The reply for a subject in `bucket`; nil when this answer has no place for one (a problem).
        func reply(bucket: Double) -> Reply? {
            guard let (before, after) = aroundBucket, let value = try? Reply.encoder.encode(bucket) else { return nil }
            var body = ByteBufferAllocator().buffer(capacity: before.readableBytes + value.count + after.readableBytes)
            body.writeImmutableBuffer(before)
            body.writeBytes(value)
            body.writeImmutableBuffer(after)
            return Reply(status: reply.status, contentType: reply.contentType, body: body)
        }
    }

    let cache: ResponseCache

    /// What bundle `name` resolves to on `channel` for `subject`, with the state it was read at.
    func reply(_ name: String, channel: String, subject: String?) -> (Reply, StateHead?) {
        guard channel == stableChannel, let subject else {
            let (answer, head) = channelAnswer(name, channel)
            return (answer.reply, head)
        }
        let (traffic, trafficHead) = cache.value(.canaryTraffic, Self.canaryTraffic)
        guard let traffic else { return exact(name, channel: channel, subject: subject) }  // a damaged pointer: let the library say so
        guard let share = traffic[name], share > 0 else {
            let (answer, head) = channelAnswer(name, channel)
            return (answer.reply, head)
        }
        let bucket = Canary.bucket(bundle: name, subject: subject)
        let (answer, head) = channelAnswer(name, bucket < share ? canaryChannel : stableChannel)
        guard head != nil, head == trafficHead, let reply = answer.reply(bucket: bucket) else {
            return exact(name, channel: channel, subject: subject)
        }
        return (reply, head)
    }

    private func channelAnswer(_ name: String, _ channel: String) -> (ChannelAnswer, StateHead?) {
        cache.value(.resolve(name, channel: channel)) { registry in Self.answer(registry, name, channel) }
    }

    /// The library's own answer, for the rare request the cached parts cannot answer consistently.
    private func exact(_ name: String, channel: String, subject: String) -> (Reply, StateHead?) {
        cache.value(nil) { registry in Reply.reading { try registry.resolve(.channel(name, channel: channel, subject: subject)) } }
    }

    /// A bucket no real answer carries at the same key, marking where the bucket goes.
    private static let marker = 12.345678901234567

    /// Resolves `name` on `channel` and encodes the answer, plain and split around the bucket.
    private static func answer(_ registry: Registry, _ name: String, _ channel: String) -> ChannelAnswer {
        let resolved: ResolvedBundle
        do {
            resolved = try registry.resolve(.channel(name, channel: channel))
        } catch {
            return ChannelAnswer(reply: .problem(PromptRegError.wrapping(error)), aroundBucket: nil)
        }
        return ChannelAnswer(reply: .json(resolved), aroundBucket: split(resolved.answering(bucket: marker)))
    }

    /// The encoding of `marked` cut around its bucket, when the marker appears exactly once.
    private static func split(_ marked: ResolvedBundle) -> (before: ByteBuffer, after: ByteBuffer)? {
        guard let body = try? Reply.encoder.encode(marked), let value = try? Reply.encoder.encode(marker) else { return nil }
        let key = Data("\"bucket\":".utf8)
        guard let found = body.range(of: key + value),
            body.range(of: key + value, in: found.upperBound..<body.endIndex) == nil
        else { return nil }
        let valueStart = found.lowerBound + key.count
        return (ByteBuffer(data: body[..<valueStart]), ByteBuffer(data: body[found.upperBound...]))
    }

    /// The canary traffic of every bundle that has one, or nil when a pointer is damaged.
    private static func canaryTraffic(_ registry: Registry) -> [String: Double]? {
        guard let status = try? registry.status(), status.complete else { return nil }
        var traffic: [String: Double] = [:]
        for cell in status.items where cell.channel == canaryChannel { traffic[cell.bundle] = cell.pointer.traffic }
        return traffic
    }
}
