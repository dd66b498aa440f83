/// Defaults a task type asks the host to apply; a submit may override retries and timeout.
public struct TaskTypeSettings: Sendable, Codable, Equatable {
    /// At most this many tasks of the type run at once (`nil`: only the host's global limit applies).
    public var maxConcurrentRuns: Int?
    /// How many times a failed run is retried by default.
    public var retries: Int
    /// The delay between retries.
    public var backoff: Backoff
    /// Fail a run that takes longer than this many seconds (`nil`: no limit).
    public var timeoutSeconds: Double?
    /// Put a task cut off by a host crash back in the queue instead of marking it interrupted.
    public var requeueOnInterrupt: Bool
    /// Run in a supervised worker process unless a submit says otherwise: for code that may crash,
    /// leak or never reach a checkpoint (a worker's crash costs only its task, and pause freezes it).
    public var prefersProcessIsolation: Bool

    /// Creates settings; every argument has the host's default.
    public init(
        maxConcurrentRuns: Int? = nil,
        retries: Int = 0,
        backoff: Backoff = Backoff(),
        timeoutSeconds: Double? = nil,
        requeueOnInterrupt: Bool = false,
        prefersProcessIsolation: Bool = false
    ) {
        self.prefersProcessIsolation = prefersProcessIsolation
        self.maxConcurrentRuns = maxConcurrentRuns
        self.retries = retries
        self.backoff = backoff
        self.timeoutSeconds = timeoutSeconds
        self.requeueOnInterrupt = requeueOnInterrupt
    }
}

/// Exponential backoff: retry n (1-based) waits `min(base * factor^(n-1), cap)` seconds.
public struct Backoff: Sendable, Codable, Equatable {
    /// The first delay, in seconds.
    public var baseSeconds: Double
    /// What each following delay is multiplied by.
    public var factor: Double
    /// The longest delay, in seconds.
    public var capSeconds: Double

    /// Creates a backoff; the defaults are 1 s doubling up to 5 minutes.
    public init(baseSeconds: Double = 1, factor: Double = 2, capSeconds: Double = 300) {
        self.baseSeconds = baseSeconds
        self.factor = factor
        self.capSeconds = capSeconds
    }

    /// The delay before retry number `retry` (1 for the first retry).
    public func delay(beforeRetry retry: Int) -> Double {
        guard retry > 1 else { return min(baseSeconds, capSeconds) }
        var delay = baseSeconds
        for _ in 1..<retry where delay < capSeconds { delay *= factor }
        return min(delay, capSeconds)
    }
}
