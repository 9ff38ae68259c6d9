import Testing

/// `@Suite(.cpuBound)`: the suite's tests run one at a time among all such suites.
///
/// Swift Testing runs tests on the cooperative thread pool, as wide as the machine has cores (2 in CI).
/// A simulation that computes for seconds without suspending holds one of those threads; two at once
/// hold them all, and every async test (in-process HTTP servers and clients) starves until its deadline
/// passes. A test waiting for its turn here is suspended, not blocking a thread, so at most one thread is
/// ever busy with simulations and the other keeps serving everything else.
struct CPUBoundTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    /// Scopes each test case, not the suite as a whole (a whole suite holding the turn would serialise
    /// nothing more and keep the others waiting longer).
    func scopeProvider(for test: Test, testCase: Test.Case?) -> CPUBoundTrait? { testCase == nil ? nil : self }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        await CPUBoundTurn.shared.take()
        do {
            try await function()
        } catch {
            await CPUBoundTurn.shared.give()
            throw error
        }
        await CPUBoundTurn.shared.give()
    }
}

/// One turn at a time, first come first served.
actor CPUBoundTurn {
    static let shared = CPUBoundTurn()
    private var taken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func take() async {
        guard taken else {
            taken = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty { taken = false } else { waiting.removeFirst().resume() }
    }
}

extension Trait where Self == CPUBoundTrait {
    static var cpuBound: Self { Self() }
}
