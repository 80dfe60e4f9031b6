import Hummingbird
import PromptRegistry

/// The HTTP status of each kind of library error: the server's counterpart of the command line's
/// exit codes (documented in `schemas/openapi.yaml`).
enum ProblemStatus {
    /// The status answering an error with `code`.
    static func status(for code: PromptRegError.Code) -> HTTPResponse.Status {
        switch code {
        case .usage, .invalidInput: .badRequest
        case .notFound: .notFound
        case .conflict, .gateFailed: .conflict
        case .refused: .forbidden
        case .unavailable: .serviceUnavailable
        case .killed: .gone
        case .forbidden: .forbidden
        default: .internalServerError  // integrity, storage
        }
    }

    /// The library error code an HTTP-level failure (no such route, a malformed request) stands for.
    static func code(for status: HTTPResponse.Status) -> PromptRegError.Code {
        switch status.code {
        case 404: .notFound
        case 400..<500: .usage
        default: .storage
        }
    }
}

/// Turns every error a handler or the router throws into problem details, so no response leaves
/// the server as a bare status or an unexplained 500.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as PromptRegError {
            return Reply.problem(error).response(at: nil, for: request)
        } catch let error as any HTTPResponseError {
            let message =
                error.status == .notFound
                ? "no endpoint \(request.method) \(request.uri.path.prefix(200))" : "the request was refused: \(error.status.reasonPhrase)"
            let problem = PromptRegError(
                ProblemStatus.code(for: error.status), message, fix: "see the endpoints in schemas/openapi.yaml")
            return Reply.problem(problem, status: error.status).response(at: nil, for: request)
        } catch {
            return Reply.problem(PromptRegError.wrapping(error)).response(at: nil, for: request)
        }
    }
}
