import Foundation
import Yams

/// Who may change the registry: the allowed signers (OpenSSH keys with optional validity), the
/// admins who may change this policy, and per channel whether it is protected, how many distinct
/// approvals a promote onto it needs, and who may roll it back (or kill it) alone. Stored in the
/// state tree (`policy/trust.json`), so every change to it is an audited, signed state commit.
public struct TrustPolicy: Codable, Sendable, Equatable {
    /// One allowed signer.
    public struct Signer: Codable, Sendable, Equatable {
        /// Who the key signs as, e.g. `alice@example.com`.
        public var principal: String
        /// The OpenSSH public key line (`ssh-ed25519 AAAA...`).
        public var key: String
        /// `YYYYMMDD[HHMM[SS]][Z]`: the key signs at or after this time only (UTC unless suffixed).
        public var validAfter: String?
        /// `YYYYMMDD[HHMM[SS]][Z]`: the key signs at or before this time only.
        public var validBefore: String?

        /// A signer.
        public init(principal: String, key: String, validAfter: String? = nil, validBefore: String? = nil) {
            self.principal = principal
            self.key = key
            self.validAfter = validAfter
            self.validBefore = validBefore
        }

        enum CodingKeys: String, CodingKey {
            case principal, key
            case validAfter = "valid_after"
            case validBefore = "valid_before"
        }
    }

    /// What a channel demands.
    public struct ChannelRule: Codable, Sendable, Equatable {
        /// A protected channel moves forward only through `propose` and `approve`.
        public var protected: Bool
        /// Distinct approvals a proposal needs besides the proposer's.
        public var approvals: Int
        /// Principals who may roll back (or kill and revive) this channel alone.
        public var rollbackSigners: [String]
        /// For `prod`: the largest canary share (percent) that may be set or moved without
        /// this rule's approvals (default 0: every canary share of prod's subjects is a prod move).
        public var canaryMaxTraffic: Double

        /// A rule.
        public init(protected: Bool = false, approvals: Int = 0, rollbackSigners: [String] = [], canaryMaxTraffic: Double = 0) {
            self.protected = protected
            self.approvals = approvals
            self.rollbackSigners = rollbackSigners
            self.canaryMaxTraffic = canaryMaxTraffic
        }

        enum CodingKeys: String, CodingKey {
            case protected, approvals
            case rollbackSigners = "rollback_signers"
            case canaryMaxTraffic = "canary_max_traffic"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            protected = try container.decodeIfPresent(Bool.self, forKey: .protected) ?? false
            approvals = try container.decodeIfPresent(Int.self, forKey: .approvals) ?? 0
            rollbackSigners = try container.decodeIfPresent([String].self, forKey: .rollbackSigners) ?? []
            canaryMaxTraffic = try container.decodeIfPresent(Double.self, forKey: .canaryMaxTraffic) ?? 0
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(protected, forKey: .protected)
            try container.encode(approvals, forKey: .approvals)
            try container.encode(rollbackSigners, forKey: .rollbackSigners)
            if canaryMaxTraffic != 0 { try container.encode(canaryMaxTraffic, forKey: .canaryMaxTraffic) }
        }
    }

    /// Format tag.
    public var format = TrustPolicy.currentFormat
    /// The allowed signers.
    public var signers: [Signer]
    /// Principals who may change this policy.
    public var admins: [String]
    /// Rules by channel name; a channel not named is not protected.
    public var channels: [String: ChannelRule]
    /// Principals who may record eval results (e.g. a CI key); empty: any signer.
    public var evaluators: [String]

    /// The format tag this version writes.
    public static let currentFormat = "promptreg.trust-policy/v1"
    /// The most approvals a channel can demand.
    public static let maxApprovals = 16

    /// A policy.
    public init(signers: [Signer], admins: [String], channels: [String: ChannelRule] = [:], evaluators: [String] = []) {
        self.signers = signers
        self.admins = admins
        self.channels = channels
        self.evaluators = evaluators
    }

    enum CodingKeys: String, CodingKey { case format, signers, admins, channels, evaluators }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(signers, forKey: .signers)
        try container.encode(admins, forKey: .admins)
        try container.encode(channels, forKey: .channels)
        if !evaluators.isEmpty { try container.encode(evaluators, forKey: .evaluators) }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decodeIfPresent(String.self, forKey: .format) ?? Self.currentFormat
        signers = try container.decodeIfPresent([Signer].self, forKey: .signers) ?? []
        admins = try container.decodeIfPresent([String].self, forKey: .admins) ?? []
        channels = try container.decodeIfPresent([String: ChannelRule].self, forKey: .channels) ?? [:]
        evaluators = try container.decodeIfPresent([String].self, forKey: .evaluators) ?? []
    }

    /// The rule for `channel` (an unprotected one when the policy names none).
    public func rule(for channel: String) -> ChannelRule { channels[channel] ?? ChannelRule() }

    /// The signers as an OpenSSH `allowed_signers` file (namespace `git`), as `git verify-commit`
    /// and `ssh-keygen -Y verify` read it.
    public var allowedSignersText: String {
        signers.map { signer in
            var options = ["namespaces=\"\(SSHSignature.gitNamespace)\""]
            if let after = signer.validAfter { options.append("valid-after=\"\(after)\"") }
            if let before = signer.validBefore { options.append("valid-before=\"\(before)\"") }
            return "\(signer.principal) \(options.joined(separator: ",")) \(signer.key)"
        }.joined(separator: "\n") + "\n"
    }

    /// The signers, parsed.
    public func allowedSigners() throws -> AllowedSigners {
        try AllowedSigners(parsing: allowedSignersText, source: "the trust policy's signers")
    }

    /// The principals `key` may sign as under this policy at `time` (empty: none).
    public func principals(of key: SSHPublicKey, at time: Date) -> Set<String> {
        guard let signers = try? allowedSigners() else { return [] }
        return Set(signers.principals(for: key, namespace: SSHSignature.gitNamespace, at: time))
    }

    /// Reads a policy from YAML (or JSON) as a user writes it, checked whole before anything is
    /// written: every key parses, every admin and rollback signer is a signer, approvals in range.
    public static func read(yaml text: String, file: String) throws -> TrustPolicy {
        let policy: TrustPolicy
        do {
            policy = try YAMLDecoder().decode(TrustPolicy.self, from: text)
        } catch {
            throw PromptRegError(
                .invalidInput, "\(file): not a trust policy: \(error)",
                fix: "write signers (principal, key), admins and channels as in the README's \"Trust and approvals\"",
                subject: .init(file: file))
        }
        try policy.check(file: file)
        return policy
    }

    /// Throws an invalid-input error naming the field when the policy is inconsistent.
    public func check(file: String) throws {
        func invalid(_ field: String, _ problem: String, fix: String) -> PromptRegError {
            PromptRegError(.invalidInput, "\(file): \(field): \(problem)", fix: fix, subject: .init(file: file, field: field))
        }
        guard format == Self.currentFormat else {
            throw invalid("format", "'\(format)' is not \(Self.currentFormat)", fix: "leave format out, or write \(Self.currentFormat)")
        }
        guard !signers.isEmpty else { throw invalid("signers", "no signers", fix: "list at least one signer with principal and key") }
        for (index, signer) in signers.enumerated() {
            guard !signer.principal.isEmpty, !signer.principal.contains(where: { $0.isWhitespace || $0 == "," || $0 == "\"" }) else {
                throw invalid("signers[\(index)].principal", "'\(signer.principal)' is empty or holds spaces, commas or quotes", fix: "use a name such as alice@example.com")
            }
            do {
                _ = try SSHPublicKey(line: signer.key)
            } catch let error as PromptRegError {
                throw invalid("signers[\(index)].key", error.message, fix: "paste the whole line of the .pub file: ssh-ed25519 AAAA...")
            }
        }
        do {
            _ = try allowedSigners()
        } catch let error as PromptRegError {
            throw invalid("signers", error.message, fix: "write valid_after / valid_before as YYYYMMDD[HHMM[SS]][Z]")
        }
        let principals = Set(signers.map(\.principal))
        guard !admins.isEmpty else { throw invalid("admins", "no admins: nobody could change the policy again", fix: "name at least one signer as admin") }
        for admin in admins where !principals.contains(admin) {
            throw invalid("admins", "\(admin) is not a signer", fix: "add a signer for \(admin), or remove it from admins")
        }
        for (channel, rule) in channels {
            try Names.checkChannel(channel)
            guard (0...Self.maxApprovals).contains(rule.approvals) else {
                throw invalid("channels.\(channel).approvals", "\(rule.approvals) is outside 0...\(Self.maxApprovals)", fix: "give a small number such as 1")
            }
            guard rule.approvals <= principals.count - 1 || !rule.protected else {
                throw invalid(
                    "channels.\(channel).approvals", "\(rule.approvals) approvals besides the proposer, but only \(principals.count) signers",
                    fix: "add signers, or ask for fewer approvals")
            }
            for signer in rule.rollbackSigners where !principals.contains(signer) {
                throw invalid("channels.\(channel).rollback_signers", "\(signer) is not a signer", fix: "add a signer for \(signer), or remove it")
            }
            guard rule.canaryMaxTraffic.isFinite, (0...100).contains(rule.canaryMaxTraffic) else {
                throw invalid("channels.\(channel).canary_max_traffic", "\(rule.canaryMaxTraffic) is outside 0...100", fix: "give a percentage such as 5")
            }
        }
        for evaluator in evaluators where !principals.contains(evaluator) {
            throw invalid("evaluators", "\(evaluator) is not a signer", fix: "add a signer for \(evaluator), or remove it")
        }
    }
}

extension TrustPolicy: StoredDocument {
    var rangeProblem: String? {
        channels.values.contains { !(0...Self.maxApprovals).contains($0.approvals) } ? "approvals outside 0...\(Self.maxApprovals)" : nil
    }
}
