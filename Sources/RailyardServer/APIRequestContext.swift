import Hummingbird
import NIOCore
import RailyardCore

/// The request context of the API: Hummingbird's core context, the client's address (the key of
/// the refusal limiter) and, once the access middleware has checked the token, who is asking.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        identity = nil
    }

    /// The client's IP address, or "unknown".
    public var client: String { remoteAddress?.ipAddress ?? "unknown" }
}
