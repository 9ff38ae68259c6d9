import Hummingbird

/// `/health` and `/metrics`, served by every service: what Railyard's deploy and analysis steps read.
enum OpsRoutes {
    struct Health: Encodable {
        let status: String
        let service: String
        let version: String
    }

    static func register(on router: Router<BasicRequestContext>, options: PaymentsDemoOptions, metrics: MetricsRegistry) {
        let health = Health(status: "ok", service: options.service.rawValue, version: options.version)
        router.get("health") { _, _ -> Response in
            DemoJSON.response(health)
        }

        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render()))
            )
        }
    }
}
