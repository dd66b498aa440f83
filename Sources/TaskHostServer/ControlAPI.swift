import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix
import TaskHost

/// The HTTP/JSON control API over a running host: the same control the CLI has.
public struct ControlAPI: Sendable {
    /// The manager the API controls.
    public let manager: TaskManager
    /// The plugin loader behind `/v1/plugins`.
    public let loader: PluginLoader
    /// The host's home (for `/v1/healthz`).
    public let home: String
    let startedAt = Date()
    let metrics: HostMetrics

    /// Creates the API.
    public init(manager: TaskManager, loader: PluginLoader, home: String) {
        self.manager = manager
        self.loader = loader
        self.home = home
        self.metrics = HostMetrics(manager: manager)
    }

    /// A router with every route; `token` (when set) is required as `Authorization: Bearer ...`.
    public func router(requiringToken token: String? = nil) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        let v1 = router.group("v1")
        addTaskRoutes(to: v1)
        addScheduleRoutes(to: v1)
        addStreamRoutes(to: v1)
        addHostRoutes(to: v1)
        return router
    }

    /// Runs blocking core work (storage commits) off the async executors.
    func blocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    // A literal that is a valid header name: the initializer cannot fail here.
    static let actorHeader = HTTPField.Name("X-Taskhost-Actor") ?? .userAgent

    /// Who asked, for the audit log: the CLI says so in a header.
    func actor(_ request: Request) -> String {
        request.headers[Self.actorHeader] ?? "api"
    }
}
