import Hummingbird

/// Records every request into the `MetricsRegistry`, including the errors handlers throw (injected 500s, 400s).
///
/// Records before returning rather than after the body is written, so a scrape sent after a response arrives
/// always counts that response.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: MetricsRegistry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // Turned into a response here (not by the router) so the recorded status is the one sent.
            response = try error.response(from: request, context: context)
        } catch {
            response = DemoJSON.response(DemoHTTPError.Body(error: "internal error", reason: nil), status: .internalServerError)
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // The route template (`/wallets/{id}`), never the raw path, to keep label cardinality bounded.
        registry.record(
            route: context.endpointPath ?? "NotFound",
            method: request.method.rawValue,
            status: response.status.code,
            seconds: seconds
        )
        return response
    }
}
