import Synchronization

/// In-memory records keyed by generated ids (`w-1`, `pi-2`, ...), shared by concurrent request handlers.
///
/// A `Mutex` rather than an actor: every operation is a short dictionary access that never suspends.
final class RecordStore<Record: Sendable>: Sendable {
    private struct State {
        var nextNumber = 1
        var records: [String: Record] = [:]
    }

    private let prefix: String
    private let state = Mutex(State())

    init(idPrefix: String) {
        self.prefix = idPrefix
    }

    /// Allocates an id and stores the record built from it, atomically.
    func insert(_ make: (String) -> Record) -> Record {
        state.withLock { state in
            let id = "\(prefix)-\(state.nextNumber)"
            state.nextNumber += 1
            let record = make(id)
            state.records[id] = record
            return record
        }
    }

    func get(_ id: String) -> Record? {
        state.withLock { $0.records[id] }
    }
}
