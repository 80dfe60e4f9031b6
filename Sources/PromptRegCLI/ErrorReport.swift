import ArgumentParser
import Foundation
import PromptRegistry

/// How the command line reports a library error: its exit code, its remedy as a command line, and
/// its text or JSON form (`{"error": {"code", "message", "fix", ...}}`).
public enum ErrorReport {
    /// The process exit code for each kind of failure (README "Exit codes").
    public static func exitCode(_ code: PromptRegError.Code) -> Int32 {
        switch code {
        case .usage: 64
        case .invalidInput: 65
        case .notFound: 66
        case .conflict: 67
        case .integrity: 68
        case .unavailable: 69
        case .refused: 76
        case .forbidden: 77
        case .killed: 78
        case .gateFailed: 79
        case .newerFormat: 80
        default: 70
        }
    }

    /// The command line (or flag) that carries out the error's remedy, if it has one.
    static func tryLine(_ error: PromptRegError) -> String? { error.remedy.map(commandLine) }

    /// A remedy as the promptreg command line (or flag) that carries it out.
    static func commandLine(_ remedy: Remedy) -> String {
        switch remedy {
        case .verify: "promptreg verify"
        case .repairLocks: "promptreg doctor --fix (it removes a lock only when no process holds it)"
        case .createRegistry(let path):
            "promptreg init\(path.map { " \($0)" } ?? ""), or pass --registry PATH (or set PROMPTREG_REGISTRY) to use an existing one"
        case .listBundles: "promptreg list"
        case .listVersions(let bundle): "promptreg versions \(bundle)"
        case .showStatus: "promptreg status"
        case .showLog(let channel): "promptreg log --channel \(channel)"
        case .promote(let bundle, let channel): "promptreg promote \(bundle ?? "NAME")@VERSION \(channel) -m \"...\""
        case .rollbackTo(let bundle, let channel): "promptreg rollback \(channel) \(bundle ?? "NAME") --to VERSION -m \"...\""
        case .writePinFile(let bundles): "promptreg lock \(bundles.isEmpty ? "NAME..." : bundles.joined(separator: " ")) -o FILE"
        case .chooseVersion(let suggested, let bump):
            "pass \(suggested.map { "--version \($0)" } ?? "--version X.Y.Z") or \(bump.map { "--bump \($0)" } ?? "--bump patch|minor|major"), or leave both out"
        case .allowFloatingModel: "pass --allow-floating-model"
        case .allowSecrets: "pass --allow-secrets"
        case .canaryTraffic: "promptreg promote NAME@VERSION canary --traffic 5 -m \"...\", then promptreg promote canary prod -m \"...\""
        case .createChannel(let name): "promptreg channel create \(name) -m \"...\""
        case .giveMessage: "pass -m \"...\""
        case .revive(let bundle, let channel): "promptreg revive \(bundle) --channel \(channel) -m \"...\" (when it is safe again)"
        case .signWithKey: "pass --sign-with FILE (or set PROMPTREG_SIGNING_KEY, or git config promptreg.signingKey FILE)"
        case .propose: "promptreg propose NAME@VERSION CHANNEL -m \"...\", then promptreg approve ID -m \"...\" by another signer"
        case .upgrade: "install a newer promptreg (promptreg --version shows this one)"
        case .overrideGate: "promptreg promote ... --override-gate -m \"the reason\" (recorded in the log)"
        case .acceptNewHostKey:
            "after checking the fingerprint: promptreg clone URL PATH --accept-new-host-key, promptreg remote add NAME URL --accept-new-host-key, or git config promptreg.acceptNewHostKey true"
        case .cloneRegistry:
            "promptreg clone URL PATH; with stock git: git clone --mirror URL PATH, or git fetch URL '+refs/promptreg/*:refs/promptreg/*'"
        }
    }

    /// Writes `error` on standard error (as JSON when `json`) and returns its exit code.
    public static func report(_ error: PromptRegError, json: Bool) -> Int32 {
        let code = exitCode(error.code)
        if json {
            let document = ["error": ErrorDocument(error, command: tryLine(error), exitCode: code)]
            if let data = try? Output.encoder.encode(document) {
                Output.rawError(String(decoding: data, as: UTF8.self) + "\n")
                return code
            }
        }
        var text = "error: \(error.message)"
        if let fix = error.fix { text += "\n  fix: \(fix)" }
        if let command = tryLine(error) { text += "\n  try: \(command)" }
        Output.error(text)
        return code
    }
}

/// The JSON form of an error: what an agent or a script acts on. A `killed` error also carries
/// `"killed": true` and the kill's `reason`, `by` and `at`.
struct ErrorDocument: Encodable {
    let code: String
    let exitCode: Int32
    let message: String
    let fix: String?
    let command: String?
    let bundle: String?
    let version: String?
    let channel: String?
    let layer: String?
    let file: String?
    let field: String?
    let line: Int?
    let killed: Bool?
    let reason: String?
    let by: String?
    let at: String?

    init(_ error: PromptRegError, command: String?, exitCode: Int32) {
        code = error.code.name
        self.exitCode = exitCode
        message = error.message
        fix = error.fix
        self.command = command
        bundle = error.subject.bundle
        version = error.subject.version
        channel = error.subject.channel
        layer = error.subject.layer?.rawValue
        file = error.subject.file
        field = error.subject.field
        line = error.subject.line
        killed = error.kill.map { _ in true }
        (reason, by, at) = (error.kill?.reason, error.kill?.by, error.kill?.at)
    }

    enum CodingKeys: String, CodingKey {
        case code, message, fix, bundle, version, channel, layer, file, field, line, killed, reason, by, at
        case command = "try"
        case exitCode = "exit_code"
    }
}
