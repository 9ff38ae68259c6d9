import Foundation
import RailyardCore
import RailyardPorts
import ServiceLifecycle

/// The engine wired together for one Railyard: the rollout, train and nightly controllers, their schedulers and the alert evaluator (the
/// services to run), the rollout requests, the fleet operations, access control, trains, and the feed of changes. It holds no
/// logic of its own; each part is its own type.
public struct RailyardEngine: Sendable {
    public let config: RailyardConfig
    public let ports: EnginePorts
    public let fleet: Fleet
    public let feed: RolloutFeed
    public let controller: RolloutController
    public let alerts: AlertEvaluator
    public let rollouts: RolloutRequests
    public let operations: FleetOperations
    public let access: AccessControl
    public let trains: TrainRequests
    public let trainController: TrainController
    public let scheduler: TrainScheduler
    public let nightlyController: NightlyController
    public let nightlyScheduler: NightlyScheduler
    public let nightly: NightlyRequests

    public init(config: RailyardConfig, ports: EnginePorts, stopGrace: Duration = .seconds(5), drainTimeout: Duration = .seconds(30),
                extractor: CountersExtractor = CountersExtractor()) {
        self.config = config
        self.ports = ports
        let fleet = Fleet(config: config, store: ports.store, driver: ports.driver, routers: ports.routers, artifacts: ports.nightly, paths: ports.paths,
                          clock: ports.clock, stopGrace: stopGrace, drainTimeout: drainTimeout, telemetry: ports.telemetry)
        let feed = RolloutFeed()
        let ledger = RolloutLedger(machine: RolloutMachine(config: config), store: ports.store, clock: ports.clock, feed: feed)
        let alerts = AlertEvaluator(spec: config.alerts, fleet: fleet, store: ports.store, metrics: ports.metrics, extractor: extractor,
                                    notifiers: ports.notifiers, clock: ports.clock)
        let controller = RolloutController(config: config, ports: ports, fleet: fleet, ledger: ledger, feed: feed, alerts: alerts,
                                           extractor: extractor)
        let rollouts = RolloutRequests(config: config, store: ports.store, fleet: fleet, ledger: ledger, controller: controller, feed: feed,
                                       clock: ports.clock)
        self.fleet = fleet
        self.feed = feed
        self.alerts = alerts
        self.controller = controller
        self.rollouts = rollouts
        self.access = AccessControl(store: ports.store, hasher: ports.tokenHasher, clock: ports.clock)
        let trainController = TrainController(config: config, store: ports.store, rollouts: rollouts, ledger: ledger, feed: feed,
                                              runner: ports.scripts, paths: ports.paths, clock: ports.clock)
        self.trainController = trainController
        let trains = TrainRequests(config: config, store: ports.store, clock: ports.clock, controller: trainController)
        self.trains = trains
        self.scheduler = TrainScheduler(config: config, store: ports.store, clock: ports.clock, trains: trains)
        let nightlyController = NightlyController(config: config, store: ports.store, fleet: fleet, driver: ports.driver, runner: ports.nightly,
                                                  paths: ports.paths, clock: ports.clock)
        self.nightlyController = nightlyController
        self.nightlyScheduler = NightlyScheduler(config: config, store: ports.store, clock: ports.clock, controller: nightlyController)
        self.nightly = NightlyRequests(config: config, store: ports.store, clock: ports.clock, controller: nightlyController, trains: trains)
        self.operations = FleetOperations(config: config, store: ports.store, fleet: fleet, driver: ports.driver, requests: rollouts,
                                          nightly: nightlyController, metrics: ports.metrics, extractor: extractor)
    }

    public var store: any RailyardStore { ports.store }

    /// The controllers, in start order, for the server's ServiceGroup (which stops them in reverse).
    public var services: [any Service] { [controller, trainController, nightlyController, scheduler, nightlyScheduler, alerts] }

    /// Settles processes and rollouts, then queues what the controllers resume; before the services run.
    public func prepare() async throws {
        try await controller.prepare()
        try await trainController.prepare()
        try await nightlyController.prepare()
    }
}
